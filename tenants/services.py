import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists, tenant_context

from staff.models import User
from staff.roles import Role
from staff.services import staff_create
from tariffs.models import TariffPlan
from tenants.models import Domain, Tenant, TenantEvent
from tenants.rules import DEFAULT_CURRENCY, DEFAULT_TIME_ZONE, currency_check, time_zone_check
from tenants.selectors import tenant_currency_time_zone_lock

SCHEMA_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
RESERVED_SCHEMA_NAMES = {
    "public",
    "information_schema",
    "www",
    "admin",
    "static",
    "media",
    "api",
    settings.TENANT_BASE_SCHEMA,
}
HOST_NAME_PATTERN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def tenant_default_domain(schema_name: str) -> str:
    """<short name>.<base domain>, with the underscores a host name may not have as hyphens."""
    return f"{schema_name.replace('_', '-')}.{settings.BASE_DOMAIN}"


def tenant_validate(
    *,
    name: str,
    schema_name: str,
    domain: str,
    plan: TariffPlan,
    admin_email: str,
    currency: str = DEFAULT_CURRENCY,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> None:
    """Raise a ValidationError naming each field that would stop tenant_create."""
    errors: dict[str, list[str]] = {}
    _currency_time_zone_errors(errors, currency=currency, time_zone=time_zone)
    if not name.strip():
        errors.setdefault("name", []).append(_("Enter the retailer's name."))
    if (
        not SCHEMA_NAME_PATTERN.match(schema_name)
        or schema_name.startswith("pg_")
        or schema_name in RESERVED_SCHEMA_NAMES
    ):
        errors.setdefault("schema_name", []).append(
            _("Use 2 to 41 lower-case letters, digits or underscores, starting with a letter (not “%(name)s”).")
            % {"name": schema_name}
        )
    elif Tenant.objects.filter(schema_name=schema_name).exists() or schema_exists(schema_name):
        errors.setdefault("schema_name", []).append(_("A retailer with this short name already exists."))
    if not HOST_NAME_PATTERN.match(domain):
        errors.setdefault("domain", []).append(_("“%(domain)s” is not a valid host name.") % {"domain": domain})
    elif Domain.objects.filter(domain=domain).exists():
        errors.setdefault("domain", []).append(_("This host name is already in use."))
    if plan is None:
        errors.setdefault("plan", []).append(_("Choose a tariff plan."))
    try:
        validate_email(admin_email)
    except ValidationError:
        errors.setdefault("admin_email", []).append(_("Enter a valid e-mail address."))
    if errors:
        raise ValidationError(errors)


def _currency_time_zone_errors(errors: dict[str, list[str]], *, currency: str, time_zone: str) -> None:
    """Add the messages of a currency or a time zone a retailer may not have to `errors`."""
    for field, check, value in (("currency", currency_check, currency), ("time_zone", time_zone_check, time_zone)):
        try:
            check(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)


def _actor(acting_user: User | None, source: str = "") -> str:
    """Who an event names: the operator's user name (platform users live in the public schema,
    so the event keeps the name, not a key), else what acted without a person."""
    return acting_user.get_username() if acting_user is not None else source


def tenant_create(
    *,
    name: str,
    schema_name: str,
    plan: TariffPlan,
    admin_username: str,
    admin_email: str,
    admin_password: str,
    domain: str | None = None,
    language: str = "en",
    currency: str = DEFAULT_CURRENCY,
    time_zone: str = DEFAULT_TIME_ZONE,
    acting_user: User | None = None,
    source: str = "",
    validate_admin_password: bool = True,
) -> Tenant:
    """Create a retailer ready to log in to: its schema, its domain and its first admin, keeping
    its books in `currency` (an ISO 4217 code) and its days in `time_zone` (a zone's name such as
    Europe/Tallinn). The event names `acting_user` (the platform operator) or, when no person
    acts, the `source` (a command).

    Everything is checked before anything is written; if a later step fails all the same, the
    schema and the rows already made are removed, so no half-made retailer is left behind.
    """
    schema_name = schema_name.strip().lower()
    domain = (domain or tenant_default_domain(schema_name)).strip().lower()
    tenant_validate(
        name=name,
        schema_name=schema_name,
        domain=domain,
        plan=plan,
        admin_email=admin_email,
        currency=currency,
        time_zone=time_zone,
    )
    currency, time_zone = currency_check(currency), time_zone_check(time_zone)
    if validate_admin_password:
        try:
            validate_password(admin_password)
        except ValidationError as error:
            raise ValidationError({"admin_password": error.messages}) from error

    tenant = Tenant(
        name=name.strip(),
        schema_name=schema_name,
        plan=plan,
        language=language,
        currency=currency,
        time_zone=time_zone,
    )
    tenant.save(verbosity=0)
    try:
        with transaction.atomic():
            Domain.objects.create(domain=domain, tenant=tenant, is_primary=True)
            TenantEvent.objects.create(
                tenant=tenant, kind=TenantEvent.Kind.CREATED, actor=_actor(acting_user, source), new_value=plan.name
            )
            with tenant_context(tenant):
                staff_create(
                    tenant=tenant,
                    username=admin_username,
                    email=admin_email,
                    first_name="",
                    last_name="",
                    role=Role.ADMIN,
                    password=admin_password,
                    language=language,
                )
    except Exception:
        connection.set_schema_to_public()
        tenant.delete(force_drop=True)
        raise
    return tenant


@transaction.atomic
def tenant_suspend(*, tenant: Tenant, reason: str, acting_user: User | None) -> Tenant:
    """Close the retailer's back office: its staff see a page that says it is suspended."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if tenant.is_public:
        raise ValidationError(_("The platform itself cannot be suspended."))
    if not tenant.is_active:
        return tenant
    tenant.is_active = False
    tenant.suspended_at = timezone.now()
    tenant.suspension_reason = reason
    tenant.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
    TenantEvent.objects.create(
        tenant=tenant, kind=TenantEvent.Kind.SUSPENDED, actor=_actor(acting_user), new_value=reason
    )
    return tenant


@transaction.atomic
def tenant_reactivate(*, tenant: Tenant, acting_user: User | None) -> Tenant:
    """Open a suspended retailer's back office again."""
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if tenant.is_active:
        return tenant
    tenant.is_active = True
    tenant.suspended_at = None
    tenant.suspension_reason = ""
    tenant.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
    TenantEvent.objects.create(tenant=tenant, kind=TenantEvent.Kind.REACTIVATED, actor=_actor(acting_user))
    return tenant


@transaction.atomic
def tenant_plan_change(*, tenant: Tenant, plan: TariffPlan, acting_user: User | None) -> Tenant:
    """Move the retailer to another plan. A smaller plan is allowed even if the retailer is over
    its limits: nothing is removed, new customers or staff are refused until usage fits."""
    tenant = Tenant.objects.select_for_update(of=("self",)).select_related("plan").get(pk=tenant.pk)
    if tenant.plan_id == plan.pk:
        return tenant
    old_plan = tenant.plan
    tenant.plan = plan
    tenant.save(update_fields=["plan"])
    TenantEvent.objects.create(
        tenant=tenant,
        kind=TenantEvent.Kind.PLAN_CHANGED,
        actor=_actor(acting_user),
        old_value=old_plan.name if old_plan else "",
        new_value=plan.name,
    )
    return tenant


def _currency_time_zone_validated(*, tenant: Tenant, currency: str, time_zone: str) -> tuple[str, str]:
    """The currency and time zone as stored, refused (naming the value) if the retailer may not
    have them, or, when either changes, if data recorded in the old ones fixes them already."""
    errors: dict[str, list[str]] = {}
    _currency_time_zone_errors(errors, currency=currency, time_zone=time_zone)
    if errors:
        raise ValidationError(errors)
    currency, time_zone = currency_check(currency), time_zone_check(time_zone)
    if (currency, time_zone) != (tenant.currency, tenant.time_zone):
        reason = tenant_currency_time_zone_lock(tenant=tenant)
        if reason is not None:
            raise ValidationError(reason, code="locked")
    return currency, time_zone


@transaction.atomic
def tenant_details_update(
    *, tenant: Tenant, name: str, language: str, currency: str, time_zone: str, acting_user: User | None
) -> Tenant:
    """Change the retailer's name, language, currency and time zone; a change writes an event with
    the values before and after. The currency and the time zone change only before the first sale
    (see tenants.registry); afterwards a change of either is refused and nothing is written."""
    tenant = Tenant.objects.select_for_update(of=("self",)).get(pk=tenant.pk)
    currency, time_zone = _currency_time_zone_validated(tenant=tenant, currency=currency, time_zone=time_zone)
    before = (tenant.name, tenant.language, tenant.currency, tenant.time_zone)
    after = (name.strip(), language, currency, time_zone)
    if before == after:
        return tenant
    tenant.name, tenant.language, tenant.currency, tenant.time_zone = after
    tenant.save(update_fields=["name", "language", "currency", "time_zone"])
    TenantEvent.objects.create(
        tenant=tenant,
        kind=TenantEvent.Kind.DETAILS_CHANGED,
        actor=_actor(acting_user),
        old_value=" / ".join(before),
        new_value=" / ".join(after),
    )
    return tenant


@transaction.atomic
def tenant_currency_time_zone_update(*, tenant: Tenant, currency: str, time_zone: str, acting_user: User) -> Tenant:
    """The retailer's owner changes its currency and time zone from its own back office: allowed
    before the first sale only (see tenants.registry). A change writes an event naming the owner
    and the retailer ("admin (alpha)": the event lives in the public schema, beside the operator's,
    whose user names are another set); no change, or a refused one, writes nothing."""
    tenant = Tenant.objects.select_for_update(of=("self",)).get(pk=tenant.pk)
    currency, time_zone = _currency_time_zone_validated(tenant=tenant, currency=currency, time_zone=time_zone)
    before, after = (tenant.currency, tenant.time_zone), (currency, time_zone)
    if before == after:
        return tenant
    tenant.currency, tenant.time_zone = after
    tenant.save(update_fields=["currency", "time_zone"])
    TenantEvent.objects.create(
        tenant=tenant,
        kind=TenantEvent.Kind.CURRENCY_TIME_ZONE_CHANGED,
        actor=f"{acting_user.get_username()} ({tenant.schema_name})"[: TenantEvent._meta.get_field("actor").max_length],
        old_value=" / ".join(before),
        new_value=" / ".join(after),
    )
    return tenant


DEFAULT_PLANS = (
    {
        "name": "Start",
        "price": "29.00",
        "max_active_customers": 1_000,
        "max_staff_users": 3,
        "max_stores": 1,
        "max_terminals": 2,
        "max_report_months": 24,
    },
    {
        "name": "Business",
        "price": "99.00",
        "max_active_customers": 20_000,
        "max_staff_users": 15,
        "max_stores": 10,
        "max_terminals": 30,
        "max_report_months": 60,
    },
    {
        "name": "Enterprise",
        "price": "399.00",
        "max_active_customers": 2_000_000,
        "max_staff_users": 200,
        "max_stores": 100,
        "max_terminals": 500,
        "max_report_months": 120,
    },
)


@transaction.atomic
def platform_setup(*, public_domain: str) -> Tenant:
    """Make the public schema serve the platform operator: its tenant row, domain and the
    default tariff plans. Safe to run again; it changes nothing that exists."""
    public, _created = Tenant.objects.get_or_create(schema_name="public", defaults={"name": "Regulars"})
    Domain.objects.get_or_create(domain=public_domain, defaults={"tenant": public, "is_primary": True})
    if not TariffPlan.objects.exists():
        for plan in DEFAULT_PLANS:
            TariffPlan.objects.create(**plan)
    return public
