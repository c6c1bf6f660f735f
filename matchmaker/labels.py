"""Human labels for the enumerations, translated lazily for the current locale."""

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from .models import (
    ConsentMethod,
    ConsentParty,
    Degree,
    DeputyLevel,
    InterestStatus,
    LeadStatus,
    NeedStatus,
    ProjectStatus,
    RegionLevel,
    Role,
)

ROLE = {
    Role.ENTERPRISE: _l("Enterprise"),
    Role.GRADUATE: _l("Graduate"),
    Role.DEPUTY: _l("Deputy"),
    Role.STAFF: _l("Station staff"),
    Role.ADMIN: _l("Administrator"),
}

DEPUTY_LEVEL = {
    DeputyLevel.TOWNSHIP: _l("Township"),
    DeputyLevel.COUNTY: _l("County"),
    DeputyLevel.CITY: _l("City"),
    DeputyLevel.PROVINCE: _l("Province"),
    DeputyLevel.NATIONAL: _l("National"),
}

REGION_LEVEL = {
    RegionLevel.PROVINCE: _l("Province"),
    RegionLevel.CITY: _l("City"),
    RegionLevel.COUNTY: _l("County"),
    RegionLevel.TOWNSHIP: _l("Township"),
}

DEGREE = {
    Degree.SECONDARY: _l("Secondary school"),
    Degree.ASSOCIATE: _l("Associate (college)"),
    Degree.BACHELOR: _l("Bachelor"),
    Degree.MASTER: _l("Master"),
    Degree.DOCTOR: _l("Doctorate"),
}

NEED_STATUS = {
    NeedStatus.OPEN: _l("Open"),
    NeedStatus.FILLED: _l("Filled"),
    NeedStatus.CLOSED: _l("Closed"),
}

PROJECT_STATUS = {
    ProjectStatus.OPEN: _l("Open"),
    ProjectStatus.SIGNED: _l("Signed"),
    ProjectStatus.CLOSED: _l("Closed"),
}

INTEREST_STATUS = {
    InterestStatus.OPEN: _l("Open"),
    InterestStatus.CLOSED: _l("Closed"),
}

LEAD_STATUS = {
    LeadStatus.SUGGESTED: _l("Suggested"),
    LeadStatus.DISMISSED: _l("Dismissed"),
    LeadStatus.INTRODUCED: _l("Introduced"),
    LeadStatus.DECLINED: _l("Declined"),
    LeadStatus.LAPSED: _l("Lapsed"),
    LeadStatus.WITHDRAWN: _l("Withdrawn"),
    LeadStatus.CONNECTED: _l("Connected"),
    LeadStatus.INTERVIEWING: _l("Interviewing"),
    LeadStatus.HIRED: _l("Hired"),
    LeadStatus.RETAINED: _l("Retained"),
    LeadStatus.NEGOTIATING: _l("Negotiating"),
    LeadStatus.SIGNED: _l("Signed"),
    LeadStatus.FUNDS_ARRIVED: _l("Funds arrived"),
    LeadStatus.IN_PRODUCTION: _l("In production"),
    LeadStatus.NO_DEAL: _l("No deal"),
    LeadStatus.CLOSED: _l("Closed out"),
}

CONSENT_PARTY = {
    ConsentParty.GRADUATE: _l("Graduate"),
    ConsentParty.EMPLOYER: _l("Employer"),
    ConsentParty.PROJECT_OWNER: _l("Project owner"),
    ConsentParty.INVESTOR: _l("Investor"),
}

CONSENT_METHOD = {
    ConsentMethod.ONLINE: _l("online"),
    ConsentMethod.IN_PERSON: _l("in person"),
    ConsentMethod.PHONE: _l("by phone"),
    ConsentMethod.PAPER: _l("on a signed paper form"),
}
ALL = {
    "role": ROLE,
    "consent_method": CONSENT_METHOD,
    "consent_party": CONSENT_PARTY,
    "deputy_level": DEPUTY_LEVEL,
    "region_level": REGION_LEVEL,
    "degree": DEGREE,
    "need_status": NEED_STATUS,
    "project_status": PROJECT_STATUS,
    "interest_status": INTEREST_STATUS,
    "lead_status": LEAD_STATUS,
}


def choices(mapping: dict) -> list[SelectChoice]:
    """Options for a select field, in the enumeration's order."""
    return [SelectChoice(member.value, label) for member, label in mapping.items()]
