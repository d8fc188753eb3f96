"""People: the account (email login), their preferences, and nothing more than the portal needs."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    """Creates accounts keyed by a normalised email address."""

    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str) -> "User":
        """Sign-in looks up the email without regard to case or stray spaces."""
        return self.get(email__iexact=(username or "").strip())

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Email is the login; the display name is what other people see."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        max_length=80, help_text="The name shown to other people. It does not have to be your full name."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to Django's own admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    # Wagtail's admin shows these.
    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def first_name(self) -> str:
        return self.display_name

    @property
    def last_name(self) -> str:
        return ""


class Profile(models.Model):
    """Accessibility and contact preferences: how the person wants the portal to treat them."""

    class ContactMethod(models.TextChoices):
        EMAIL = "email", "Email"
        NONE = "none", "Please do not contact me"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    easy_read_first = models.BooleanField(
        default=False, help_text="Show easy read versions first, where there is one."
    )
    larger_text = models.BooleanField(default=False, help_text="Show bigger text on every page.")
    contact_method = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.EMAIL
    )
    contact_about_consultations = models.BooleanField(
        default=False, help_text="Tell me when a new consultation opens."
    )
    contact_about_meetings = models.BooleanField(
        default=False, help_text="Tell me about meetings and decisions."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Preferences of user {self.user_id}"
