// Starts GOV.UK Frontend's components (menus, details, error summaries, notification banners).
// Browsers without module support skip this file and get the plain HTML, which works on its own.
import { initAll } from "./govuk-frontend.min.js";

initAll();
