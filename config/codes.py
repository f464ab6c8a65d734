"""Status-code registry: every code the store API can answer with.

The codes and their messages come from the specification documents in
``/work/shared/seeds`` (Capillary's Customer v2 reference and its status-code
tables).  Each group below names the seed file it was taken from:

* ``000_487332ab2024cc71.txt`` - customer overview and customer status codes
* ``001_80a6432114b34776.txt`` - the customers resource's full list (8001-8153, warnings)
* ``002_8aed7869a3b4c69c.txt`` - customer lookup and its codes
* ``003_9c3a1ce221eba9b0.txt`` - the API reference (per-endpoint error tables, samples)
* ``004_fe31ed784e3cc29d.txt`` - customer, transaction (incl. retro), points, coupon codes

How the entries were chosen
---------------------------
* Messages are copied as the seeds give them: Capillary's spelling, capitalisation
  and typos ("Enter the the date", "multiple of . Check") are kept.  Only markdown
  escaping (``\\{x\\}``, back-ticks, table padding) was removed.  Differences that are
  nothing but a trailing full stop are not treated as conflicts; the wording of the
  API reference (003) is used, which 001/002 share.
* Placeholders are the seeds' own: ``{x}``, ``{y}`` (fill with
  ``message.format(x=..., y=...)``) and ``{0}``, ``{1}`` (fill positionally).  No
  placeholder was added by us.
* Where the seeds give one code two different meanings or wordings, one was chosen
  and a comment at the entry says which and why.  The general rules were:
    - the customer table wording shared by 001, 002 and 003 beats the single
      outlier (usually 000 or 004);
    - the terse server-style wording of 001's 8001-8153 list beats the paraphrases in
      003's per-endpoint tables, because 003's own sample response shows the server
      sending the terse form (8050 "Same Customer found in other sources,Combining");
    - only 001 and 002 separate warnings from errors (000 and 004 have a single
      error table), so their classification decides ``kind``;
    - customer/subscription meanings beat transaction/points meanings of the same
      number, since the project is a Customer v2 implementation.
* A code may carry several success messages for different operations (1000 is used
  by register, get, update, ...).  ``message`` holds the first one the seeds list;
  ``OTHER_MESSAGES`` holds the rest so a view can answer e.g. "Customer updated
  successfully." with code 1000.
* Codes the project needs but the seeds lack (HTTP-level codes 401/403/404/405/406/
  415/422/429/503, a generic 200, and the change/merge request workflow codes 9001-9055) are
  marked ``# project code: not in seeds``.  The seeds do have 400 and 500, so those
  keep the seeds' wording even though the project uses them for malformed JSON and
  unexpected failures.

HTTP status
-----------
The seeds never say which HTTP status Capillary answers with; they only give the
numeric code inside the JSON body.  The registry therefore decides:
warnings and success codes -> 200; errors -> 400 by default; "the addressed thing
does not exist" errors (customer / transaction / request / coupon not found) -> 404;
customer-marked-as-fraud and insufficient-permission errors -> 403; the HTTP-like
project codes 401/403/404/405/406/415/422/429/500/503 -> themselves.  A response carrying
several errors uses the ``http_status`` of the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

ERROR = "error"
WARNING = "warning"
SUCCESS = "success"
KINDS = frozenset({ERROR, WARNING, SUCCESS})


@dataclass(frozen=True)
class StatusCode:
    code: int
    message: str
    http_status: int  # HTTP status to answer when this code is the (first) error
    kind: str  # "error" | "warning" | "success"


def _ok(code: int, message: str) -> StatusCode:
    return StatusCode(code, message, 200, SUCCESS)


def _warn(code: int, message: str) -> StatusCode:
    return StatusCode(code, message, 200, WARNING)


def _err(code: int, message: str, http_status: int = 400) -> StatusCode:
    return StatusCode(code, message, http_status, ERROR)


def _not_found(code: int, message: str) -> StatusCode:
    return _err(code, message, 404)


def _forbidden(code: int, message: str) -> StatusCode:
    return _err(code, message, 403)


ENTRIES: list[StatusCode] = [
    # ------------------------------------------------------------------
    # Project codes: HTTP-level answers of the store API.
    # 400 and 500 are in the seeds and are listed with the customer codes below.
    # ------------------------------------------------------------------
    # project code: not in seeds
    _ok(200, "Success"),
    # project code: not in seeds
    _err(401, "Authentication failed", 401),
    # project code: not in seeds
    _err(403, "Permission denied", 403),
    # project code: not in seeds
    _err(404, "Resource not found", 404),
    # project code: not in seeds
    _err(405, "Method not allowed", 405),
    # project code: not in seeds. The inner code equals the HTTP status, like 405: an
    # `Accept` header the API cannot answer (it answers JSON).
    _err(406, "Not acceptable", 406),
    # project code: not in seeds. A body larger than API_MAX_BODY_BYTES (config.input_guard).
    _err(413, "Request body too large", 413),
    # project code: not in seeds. A request line longer than the server accepts (gunicorn,
    # answered in the envelope by config.gunicorn_conf).
    _err(414, "Request line too long", 414),
    # project code: not in seeds. A body sent with a Content-Type the endpoint does not
    # parse (send application/json).
    _err(415, "Unsupported media type", 415),
    # project code: not in seeds. A write that met concurrent writers of the same rows
    # (a deadlock or serialization failure) on every one of its attempts
    # (config.transactions): the caller may send it again.
    _err(409, "The change met concurrent changes of the same records; retry it", 409),
    # project code: not in seeds. The 422 answer names what differed (body or query).
    _err(422, "Idempotency key reused with a different request", 422),
    # project code: not in seeds
    _err(429, "Rate limit exceeded", 429),
    # project code: not in seeds. Too many or too large headers (gunicorn, in the envelope).
    _err(431, "Request header fields too large", 431),
    # project code: not in seeds
    _err(503, "Service unavailable", 503),
    # ------------------------------------------------------------------
    # Customer: success codes.
    # Seeds: 000 "Response Codes", 001, 002, 003 "Response Codes", 004 "Customer".
    # ------------------------------------------------------------------
    _ok(1000, "Customer registered successfully."),  # other operations: OTHER_MESSAGES[1000]
    # 1040: 001 also prints "Referrals are invited successfully." under 1040, but that
    # is a table-layout slip; 000/002/003/004 put that line under 1000.
    _ok(1040, "Customer id change request has submitted successfully."),
    _ok(1050, "Customer recommendations fetched successfully."),  # 001/002 only
    _ok(1052, "Transactions fetched successfully."),
    _ok(1061, "Customer recommendations fetched successfully."),
    _ok(1300, "Ticket retrieved successfully."),  # also: OTHER_MESSAGES[1300]
    # ------------------------------------------------------------------
    # Customer: error codes (and the customer warnings 1053, 91xxx).
    # Seeds: 000, 001, 002, 003 "Error Codes" (wording used), 004 "Customer".
    # ------------------------------------------------------------------
    # 400: the seeds have it, so their wording is used rather than the project's
    # "Invalid request".  001 additionally lists 400 as a warning "Admin user auth not
    # supported for {0}"; the error meaning (all five documents) was chosen.
    # The seeds' second sentence ("No identifier provided to get loyalty users.") belongs
    # to one endpoint; the general first sentence is kept for every invalid input.
    _err(400, "Input is invalid. Please check request parameters or input xml/json"),
    # 500: the seeds have it, so their wording is used rather than "Internal server
    # error".  001 appends a note about the mobile wrapper API (documentation, not
    # message text; dropped); 004's transaction table says "Unable to retrieve
    # transaction." - the customer meaning was chosen.
    # The seeds' "All requests failed due to errors." describes a batch; a single
    # request that failed on our side says so plainly.
    _err(500, "Internal server error", 500),
    # 618: 004's customer table says "Not allowed - the customer is marked as fraud."
    # and its transaction table "Customer is marked as fraud."; 000/001/002/003 wording
    # chosen.  Fraud -> 403.
    _forbidden(618, "Not allowed - customer is marked as fraud."),
    # 816: 004 customer table "Customer not found for the organization.", 004 points
    # table "Unable to find customer in this organization"; 000/001/002/003 wording chosen.
    _not_found(816, "Customer not found for organization."),
    _err(1001, "Unable to register. Invalid mobile number."),
    _err(1002, "Unable to register. Invalid email id."),
    _err(1003, "Unable to register. Invalid external id."),
    # 1004: 004 says "Failed to populate the store."; 000/001/002/003 wording chosen.
    _err(1004, "Failed to populate store."),
    _err(1006, "Unable to register. Mobile number is required."),
    _err(
        1007,
        "Unable to register customer. No valid primary identifier mobile number, "
        "email ID, or external ID passed.",
    ),
    # 1008 vs 1038: 000/003/004 print one row "1008/ 1038"; 001/002 list 1008 alone.
    # Chosen: 1008 is the code the project emits.  1038 is kept (same message) only so
    # that the registry covers every code the seeds mention; do not emit it.
    _err(1008, "Unable to register with external id."),
    _err(1038, "Unable to register with external id."),  # alias of 1008, see above
    _err(1009, "Unable to add registered customer to MLM."),
    _err(1010, "Unable to update loyalty points of the customer."),
    _not_found(1011, "Cannot find customer for provided identifier."),
    _not_found(1012, "Cannot find customer with the provided mobile number/external ID/e-mail ID."),
    _err(1013, "Customer is not registered for the loyalty Program."),
    _err(1014, "Customer is registered already."),
    _err(1015, "No identifier provided to get loyalty users."),
    _err(1016, "Unable to register. Email provided already exists for some other user."),
    _err(1017, "Provided Custom Field is invalid."),
    _err(1018, "Unable to update custom field."),
    _err(1019, "Mobile number or external id is required along with the email Id to register."),
    _err(1020, "The customer is not registered for loyalty program."),
    _err(1021, "Invalid validation code."),
    _err(1023, "Unable to register customer to loyalty program."),
    _err(1024, "Unable to update customer profile."),
    _err(1025, "Mandatory fields are not matching for customer identity update."),
    _err(1026, "Count of optional fields match is less than required."),
    _err(1027, "Field name provided for verification is invalid."),
    _err(1028, "No customer notes are available."),
    _err(1029, "Unable to retrieve customer preferences."),
    _err(1030, "Unable to update customer preferences."),
    _err(1031, "No preferences set for this customer."),
    _err(1032, "A customer already exists with the same mobile number."),
    _err(1033, "A customer already exists with the same external id."),
    _err(
        1034,
        "Unable to register. Registration date is not within the allowed past or future "
        "date limit.",
    ),
    _err(1035, "Unable to update few customer preferences."),
    _err(1036, "One or more notes could not be added/updated for customer."),
    _err(1037, "Unable to add/update customer notes."),
    _err(1039, "Unable to register. Email ID is required."),
    _err(1041, "Customer id change request failed."),
    _err(1042, "Invalid mobile no/email id/external id."),
    _err(1043, "Unable to register. Customer’s external id is required."),
    # 1044: a permission failure, so 403 rather than the default 400.
    _forbidden(1044, "You do not have sufficient permission to view the customer details."),
    _err(1045, "No valid identifier (mobile/email) passed for non-loyalty customer."),
    _err(1046, "Conversion of loyalty customer to non-loyalty is not allowed."),
    _err(1047, "Customer's primary identifier not matching with other identifiers."),
    _err(1048, "Customer’s email id is required to convert to loyalty customer."),
    _err(1049, "Customer’s external id is required to convert to loyalty customer."),
    _err(1051, "No transactions or recommendations found for the customer."),
    # 1053: an error in 000/003/004, a warning in 001/002.  Chosen: warning - 001/002
    # are the only documents that separate warnings, and an unknown preferred store
    # should not fail a registration.
    _warn(1053, "Preferred store specified is not found."),
    _err(1059, "Error in customer registration. Email or Mobile is required."),  # 001/002 only
    _err(1060, "Batch limit exceeded."),
    # 1062: 000 capitalises "Status"; 001/002/003/004 wording chosen.
    _err(1062, "Invalid Test & Control status."),
    # 1086-1098: only 000 lists them (all but 1088 as "Points processing failed").
    _err(1086, "Points processing failed"),
    _err(1087, "Points processing failed"),
    _err(1088, "Unable to issue points. Please report to capillary support."),
    _err(1089, "Points processing failed"),
    _err(1090, "Points processing failed"),
    _err(1091, "Points processing failed"),
    _err(1092, "Points processing failed"),
    _err(1093, "Points processing failed"),
    _err(1094, "Points processing failed"),
    _err(1095, "Points processing failed"),
    _err(1096, "Points processing failed"),
    _err(1097, "Points processing failed"),
    _err(1098, "Points processing failed"),
    # 1099: 000 says "Points processing failed"; 001/002/003/004 wording chosen.
    _err(1099, "Unable to fetch tracker data for the customer."),
    # 1101-1103: 004's transaction table reuses these numbers for "Invalid loyalty
    # program ID passed." / "Invalid currency conversion ratio passed." / "Invalid
    # shipping store code passed.".  Chosen: the subscription meanings (all five
    # documents' customer tables), since the project implements subscriptions.
    _err(1101, "Invalid channel type."),
    _err(1102, "Invalid priority type."),
    _err(1103, "Invalid scope."),
    _err(1104, "Invalid identifier or no identifier passed."),
    _err(1105, "Multiple scopes are not allowed."),
    _err(1106, "Invalid subscription status passed."),
    _err(1107, "Invalid campaign id passed."),
    _err(1108, "Invalid outbox id passed."),
    _err(1109, "Unable to add, update or fetch subscription details."),
    _err(1110, "Unable to update subscription details."),
    _err(1150, "Invalid store ID passed."),
    _err(1202, "Invalid campaign token."),
    _err(1203, "Invalid campaign configured."),
    _err(1204, "The customer may not be eligible for the referral program."),
    _err(1205, "Unable to find the referrer in the specific campaign."),
    _err(1206, "Failed to add referral. Referral type is not supported."),
    _err(1212, "Invalid entity type passed."),  # 1212-1217: 001/002 only
    _err(1213, "Invalid programId passed in request."),
    _err(1214, "startDate is after endDate."),
    _err(1215, "{x} cannot be a past date."),
    _err(
        1216,
        "The date format used for {x} is not supported. Enter the the date in (YYYY-MM-DD) format.",
    ),
    _err(1217, "Date mentioned is a far future date. {x} cannot be after 100 years from now."),
    _err(1222, "Internal error occurred with the referral system."),  # listed twice, same text
    _err(1301, "A ticket already exists with the same subject."),
    _err(1302, "Ticket registration failed."),
    _err(1303, "Ticket subject should not be empty."),
    _err(10001, "Failed to add customer."),
    _err(10002, "Failed to update customer details."),
    # 91001-91019: 000/003/004 have a single error table; 001/002 list 91001-91007 and
    # 91011-91019 as warnings, which decides their kind.  Wording: 003's (shared with
    # 000 and 004) where 001/002 differ - noted per entry.
    _warn(91001, "Failed to get point details."),
    _warn(91002, "Failed to get subscription details."),
    # 91003: 001/002 say "Failed to validate."; 000/003/004 wording chosen.
    _warn(91003, "Validation failed."),
    _warn(91004, "Failed to get segmentation details."),
    # 91005: 001/002 say "{x} is primary identifier and cannot be updated.";
    # 000/003/004 wording chosen.
    _warn(91005, "{x} is Primary Key, {y} cannot be updated."),
    _warn(91006, "{x} update is not allowed."),
    # 91007: 001/002 say "Failed to register. {x} already exists for some other user.";
    # 000/003/004 wording chosen (it also reads as the warning it is: "ignoring it").
    _warn(91007, "{x} is already occupied by some other user, ignoring it."),
    # 91009: every seed lists it under errors, but the message reports a successful
    # outcome (the survivor account was returned), so it is a warning here.
    _warn(91009, "Retrieved survivor account for the requested merge victim."),
    _err(91010, "Downgrade strategy is not configured."),
    _warn(91011, "Customer is already in the lowest slab."),
    _warn(91012, "Customer is already in the highest slab."),
    _warn(91013, "Call to Points Engine for tier upgrade criteria has failed {x}."),
    _warn(91014, "Call to Points Engine for tier renewal criteria has failed {x}."),
    # 91015: 000 says "...field length too long `-{x}`.", 004 uses a comma instead of
    # the semicolon; 001/002/003 wording chosen.
    _warn(91015, "Failed to update extended fields; or field {x} length too long."),
    _warn(91016, "WECHAT profile is not available for the customer."),
    _warn(91017, "WEB_ENGAGE profile is not available for the customer."),
    _warn(91018, "Unable to load WeChat notifications."),
    _warn(91019, "Unable to load Web Engage notifications."),
    _err(91020, "Invalid TILL passed for registration."),
    _err(91021, "Invalid attribution TILL passed."),
    _err(91022, "Failed to update subscription for {x} channel and priority {y}."),
    # ------------------------------------------------------------------
    # Lookup (identify a customer by mobile/email/externalId/card number).
    # Seeds: 002 "Error Codes", 003 "Lookup" error table, 001 (first listing).
    # ------------------------------------------------------------------
    # 8011: 001's 8001-8153 list says "Look up, Invalid source passed"; the wording
    # given by 002, 003 and 001's first listing was chosen (three against one).
    _err(8011, "Invalid source account passed."),
    # 8013: 001's 8001-8153 list says "Lookup, Invalid identifier passed"; 002/003/001
    # first listing chosen.
    _err(
        8013,
        "Customer identifier is invalid. Also check if the parameter identifierName is "
        "passed correctly.",
    ),
    # 8015: 001's 8001-8153 list says "Customer not found for the given identifiers";
    # 002/003/001 first listing chosen.
    _not_found(8015, "No customer found with the given identifier."),
    _err(8045, "Account id is not passed."),
    # 8065: 001's 8001-8153 list says "User not found for given source"; 002/003/001
    # first listing chosen.
    _not_found(8065, "No customer found in the given source with the given identifier."),
    # 8089: 001 lists it twice (with and without the full stop); 002 has the full stop.
    _err(8089, "Customer not registered for the Loyalty Program."),
    # ------------------------------------------------------------------
    # Customers resource: errors 8001-8153.
    # Seed: 001 (server-style wording).  003's per-endpoint tables (changeIdentifier,
    # fetch details) paraphrase some of them; 001's wording was kept (see module doc).
    # ------------------------------------------------------------------
    _err(8001, "Lookup failed, No source passed"),
    _err(8002, "Lookup failed, No identifiers passed"),
    _err(8003, "Invalid source passed"),
    _err(8004, "Add failed, No source passed"),
    _err(8005, "Add failed, No valid identifiers passed"),
    _err(8006, "Add failed, Customer already exists with id {0} for same source"),
    # 8007: 003 (changeIdentifier) says "Unable to update. The identifier is already
    # registered in the same source."; 001 wording chosen.
    _err(8007, "Update failed, Customer already exists for same source"),
    # 8008: 003 (changeIdentifier) says "The new identifier already exists in the same
    # source."; 001 wording chosen.
    _err(8008, "Update failed, Same source different profile found for given identifiers"),
    # 8009: 003 (changeIdentifier) says "Unable to identify the customer. Customer id is
    # invalid."; 001 wording chosen.  Customer not found -> 404.
    _not_found(8009, "Update failed, Customer not found"),
    # 8010: 003 (changeIdentifier) says "communication channel is invalid."; 001 chosen.
    _err(8010, "Invalid communication channel passed"),
    # 8012: 003 (fetch details) says "Invalid source passed."; 001 wording chosen.
    _err(8012, "Get, Invalid source passed"),
    _err(8014, "Error in customer registration: Invalid Primary Id - {0}"),
    _err(8016, "GET failed, No source passed"),
    _err(8017, "Error in customer registration: Invalid registration date"),
    _err(8018, "Update customer, Conversion from loyalty to non-loyalty not allowed"),
    _err(8019, "Inference attribute-type must be specified"),
    _err(8020, "Inference attribute-type is invalid"),
    _err(8021, "Inference attribute-key is required when attribute-type specified"),
    _err(8022, "Inference attribute-key is invalid"),
    _err(8023, "No best-fitting profile found matching {0}.{1}"),
    _err(8024, "No profile information available to infer from"),
    _err(8025, "Inferring profile failed"),
    _err(8026, "Same customer was deleted for PII feature, could not add"),
    _err(8027, "Customer add for parent without child context not allowed"),
    _err(8028, "Customer seems is already registered"),
    # 8066: 001 lists it as an error (this text) and again as a warning with 8067's
    # text "Same Customer found in other sources, Merge already done with userId {0}".
    # Chosen: the error - 003 (changeIdentifier) agrees ("Unable to combine,User id
    # already used in same source."), and the warning row looks like a copy of 8067.
    _err(8066, "Combine not possible, User id already used in same source"),
    # 8067: 003 (changeIdentifier) says "Same customer found in other source. The
    # account is already merged with user id X."; 001 wording chosen.
    _err(8067, "Same Customer found in other sources, Merge already done with userId {0}"),
    _err(8084, "Customer details not sent"),
    _err(8085, "Invalid org entity passed"),
    _err(8086, "Status label passed is not valid"),
    _err(8087, "Card is {0}, not allowed to do any further actions"),
    # 8090: 001 lists it both as an error and as a warning (same text).  Chosen: error -
    # the profile could not be created, so the operation did not happen.
    _err(8090, "Unable to create profile as instore profile doesn't exist"),
    _err(8091, "GET failed, No account id passed"),
    _err(8092, "GET failed, No identifier type passed"),
    _err(8093, "GET failed, No identifier value passed"),
    _err(8100, "Offset cannot have value less than 0"),
    _err(8101, "Limit should be greater than 0"),
    _err(8102, "Limit cannot be greater than 100"),
    _err(8103, "Invalid source type, please select values from (UI, API, CAMPAIGN)"),
    _err(
        8104,
        "Invalid input combination, programs and promotionIdentifier both cannot be passed "
        "in single request",
    ),
    _err(8105, "Error fetching promotion data. Verify programs/promotionIdentifier passed."),
    _err(8106, "Communication channel type not passed"),
    _err(8107, "Default customer status label not set"),
    _err(8108, "Config read failed for CONF_CUSTOMER_DEFAULT_STATUS_ENABLED"),
    _err(8110, "Error fetching promotion data. Verify the passed promotion Type {0}"),
    _err(8111, "Error fetching promotion data. Verify the passed scope {0}"),
    _err(8112, "Invalid startDate. Should be in 'yyyy-MM-dd' format"),
    _err(8113, "Invalid endDate. Should be in 'yyyy-MM-dd' format"),
    _err(8114, "Both startDate and endDate should be provided"),
    _err(8115, "startDate should not be after endDate"),
    _err(
        8117,
        "Invalid sortOn value, should be one of CREATED_DATE, END_DATE, START_DATE, "
        "EXPIRY_ON, ISSUAL_DATE",
    ),
    _err(8118, "Invalid sortBy value, should be one of ASC/DESC"),
    _err(8119, "Empty or Null customerIds"),
    _err(8120, "Maximum 100 customerIds can be updated"),
    _err(8121, "Customer type is non-loyalty"),
    _err(8122, "Required Identifier missing for barcode generation"),
    _err(8123, "Barcode generation failed for customer identifier"),
    _err(8124, "Invalid conf value for CONF_BARCODE_VALUE_IDENTIFIER"),
    _err(
        8125,
        "Invalid promotionStatusForCustomer. It should be one of: AVAILABLE_TO_ENROL, "
        "AVAILABLE_TO_EARN, AVAILABLE_TO_REDEEM, EXPIRED",
    ),
    _err(8126, "Request passed without child org context"),
    _err(8127, "Invalid source or accountId passed"),
    _err(
        8153,
        "The provided identifiers are already associated with the following customers with "
        "these user ID values : {0}. These are campaign (not registered) users.",
    ),
    # ------------------------------------------------------------------
    # Customers resource: warning codes.
    # Seed: 001 "Warning Codes".  Several also appear in 003's changeIdentifier /
    # fetch-details *error* tables; 001 (the only document that separates warnings)
    # decides the kind, noted per entry.
    # ------------------------------------------------------------------
    # 8050: 001's table has "sources, Combining" (with a space); 003's sample response
    # (samples/register.other-source.response.json) shows what the server actually
    # sends, without the space.  Chosen: the sample's wire text.
    _warn(8050, "Same Customer found in other sources,Combining"),
    # 8051: 003 (changeIdentifier error table) says "Same identifier found in other
    # source. Merging into the account with user id X."; 001's warning chosen.
    _warn(8051, "Same Customer found in other sources, Merging with userId {0}"),
    _warn(8052, "Add customer, Conflicting Customers found"),
    # 8053: 003 (changeIdentifier error table) gives it twice with two different texts
    # ("Each identifier is registered with a different customer in other source. Unable
    # to merge accounts." / "Same identifier is registered on other source. The account
    # is already merged with user id X."); 001's single warning chosen.
    _warn(8053, "Update customer, Conflicting Customers found"),
    _warn(8054, "Account id not passed"),
    # 8055-8059, 8064: also in 003's changeIdentifier error table with paraphrased
    # texts ("Invalid email id.", "Invalid mobile number.", "Invalid email id passed in
    # the communication channel.", "Invalid mobile number passed in the communication
    # channel.", "Unable to push customer to solr.", "External id validation failed.");
    # 001's warnings chosen.
    _warn(8055, "Invalid email id"),
    _warn(8056, "Invalid mobile"),
    _warn(8057, "Invalid email id in comm channel"),
    _warn(8058, "Invalid mobile in comm channel"),
    _warn(8059, "Pushing customer to Solr failed"),
    _warn(8060, "Pushing customer to subscription queue failed"),
    _warn(8061, "Nps details get failed"),
    # 8062, 8063: 003 (fetch details error table) says "Unable to fetch loyalty points."
    # and "Unable to fetch segmentation details."; 001's warnings chosen (a failed
    # side-fetch should not fail the whole GET).
    _warn(8062, "Points details fetch failed"),
    _warn(8063, "Segmentation details fetch failed"),
    _warn(8064, "External id validation failed"),  # see 8055 comment
    _warn(8068, "Customer is campaign user"),
    # 8069: 003 (fetch details error table) says "The customer is merged into another
    # account."; 001's warning chosen (it goes with 91009 when a victim is fetched).
    _warn(8069, "Merged customer found"),
    _warn(8070, "No valid change identifiers detected"),
    _warn(8071, "Mobile already attached with this user"),
    _warn(8072, "Email already attached with this user"),
    _warn(8073, "External id already attached with this user"),
    _warn(8074, "Change Failed, Identifier found in multiple sources and userIds"),
    _warn(8075, "Primary identifier not matching with other identifiers"),
    _warn(8076, "Gap details missing"),
    _warn(8077, "Invalid associatedWith passed, attribution not updated"),
    _warn(8078, "No Image passed to be deleted"),
    _warn(8079, "Error in uploading Image"),
    _warn(8080, "Error in deleting image"),
    _warn(8081, "No Image Passed"),
    _warn(8082, "Max image per user is 5"),
    _warn(8083, "Image size is too small"),
    # 8088: 001 lists it both as an error and as a warning (same text).  Chosen:
    # warning - like 8061-8063 it reports a failed side-fetch.
    _warn(8088, "Customer status get failed"),
    # 521: 001 lists it among the warnings although it reads like a retryable error;
    # kept as the seed classifies it.
    _warn(521, "Multiple actions running for the same customer, Please try after some time"),
    # ------------------------------------------------------------------
    # Transaction (incl. retro 1623-1636).
    # Seed: 004 "Transaction".  500, 618, 710, 820 and 1101-1103 are also used there
    # with other meanings; see those entries (customer, coupon and points groups).
    # ------------------------------------------------------------------
    _ok(600, "Transaction added successfully."),  # also: OTHER_MESSAGES[600]
    _ok(
        1630,
        "Transaction marked as regular through Retro conversion. Transaction added successfully.",
    ),
    _err(601, "Transaction failed. Transaction amount, quantity, rate, or discount is invalid."),
    _err(602, "Transaction number is invalid."),
    _err(603, "Points are already used (Deprecated)."),
    _err(604, "Transaction number already exists."),
    _err(
        605,
        "Invalid transaction type. Only regular, return and not-interested transaction types "
        "are supported.",
    ),
    _err(
        606,
        "Customer identifier is not passed. Please enter customer's mobile or email or "
        "external id to process.",
    ),
    _err(607, "No transaction id passed. Please pass the transaction id to process."),
    _err(608, "Unable to add transaction."),
    _err(609, "Update failed. Please verify all the fields."),
    _err(610, "Unable to register. Please verify all the fields."),
    _not_found(611, "Customer not found."),
    _err(614, "Transaction is already cancelled."),
    _err(615, "Transaction details are not passed."),
    _err(616, "Item code already exists."),
    _err(617, "Invalid attribute for the item."),
    _err(619, "Transaction id is not provided."),
    _err(620, "Transaction id is invalid."),
    _err(
        621,
        "Transaction date is invalid. Transaction date should be within the accepted past or "
        "future date range limit.",
    ),
    _err(622, "Unable to add line-item."),
    _err(623, "Unable to trigger other related events for the transaction."),
    _err(
        624,
        "Unable to process return-transaction. You can make a return only after adding a "
        "transaction.",
    ),
    _not_found(625, "Transaction number does not exist."),
    _err(
        626,
        "Unable to return transaction. The quantity of returned items are more than purchased "
        "items.",
    ),
    _err(627, "Quantity cannot be negative."),
    _err(628, "Invalid return transaction type."),
    _err(629, "The return quantity of the item is more than available quantity."),
    _err(630, "The return amount is more than the transaction/line-item amount."),
    _err(631, "Transaction amount cannot be negative."),
    _err(
        632,
        "Cannot return the transaction with return type LINE_ITEM because the type AMOUNT has "
        "already been used for returning the same transaction.",
    ),
    _err(633, "The entire transaction is already returned."),
    _err(634, "This transaction is already returned."),
    _err(
        635,
        "Cannot return the transaction with the return type AMOUNT because the type LINE_ITEM "
        "has been used for returning the same transaction.",
    ),
    _err(
        636,
        "The transaction is already returned with the return type as LINE_ITEM. You can "
        "process return for other items only with return type LINE_ITEM.",
    ),
    _err(
        637,
        "Unable to revert points issued to the customer (for return transaction). Please try "
        "again later.",
    ),
    _err(
        638,
        "Unable to return transaction. The transaction is already returned with type "
        "LINE_ITEM. Hence, you cannot use the type AMOUNT for the same transaction.",
    ),
    _err(
        639,
        "Unable to return full transaction. A part of the transaction or complete transaction "
        "is already returned.",
    ),
    _err(640, "Points or coupons are not redeemed for this transaction."),
    _not_found(641, "No customer found."),
    _err(642, "Redemption failed. An error occurred in points/coupon redemption."),
    _err(643, "Invalid transaction. The transaction date exceeds the accepted future date limit."),
    _err(
        644,
        "Invalid transaction. The transaction date cannot be less than the accepted past date "
        "limit.",
    ),
    _err(645, "Transaction addition failed for not interested."),
    _err(646, "Customer registration failed. The email id is invalid."),
    _err(647, "Customer registration failed. Email id is already assigned to another customer."),
    _err(
        648,
        "Customer registration failed. Mobile number is already assigned to another customer.",
    ),
    _err(649, "Customer registration failed. Mobile number is invalid."),
    _err(
        650,
        "Customer registration failed. Mobile number is not accepted as a unique identifier.",
    ),
    _err(651, "Customer registration failed. Mobile number is required for registration."),
    _err(652, "Customer registration failed. Mobile number/email id/external id is invalid."),
    _err(
        653,
        "Customer registration failed. External id is already assigned to another customer.",
    ),
    _err(
        654,
        "Customer registration failed. External id is not accepted as a unique identifier.",
    ),
    _err(655, "Customer registration failed. Customer is not registered in loyalty program."),
    _not_found(656, "No customer found."),
    _err(657, "Customer registration failed. Registration in EUP failed."),
    _err(658, "Customer registration failed. Only email id is not sufficient for registration."),
    _err(659, "Customer registration failed. Please enter email id to register."),
    _err(
        660,
        "Customer registration failed. Registration date exceeds the accepted past or future "
        "date limit.",
    ),
    _err(661, "Amount of the line-item amount cannot be negative."),
    _err(662, "Value of a line cannot be negative."),
    _err(663, "Rate of a line-item cannot be negative"),
    _err(664, "Discount of a line-item cannot be negative."),
    _err(665, "Gross amount of the transaction cannot be negative."),
    _err(666, "Discount cannot be negative."),
    _not_found(667, "Unable to find the transaction ID for this customer."),
    _not_found(668, "Unable to find the transaction number for this customer."),
    _err(669, "Unable to update custom field."),
    _err(670, "Transaction id/number is not provided."),
    _err(671, "Invalid Store or TILL code."),  # also: OTHER_MESSAGES[671]
    _err(672, "Batch limit exceeded."),
    _err(673, "Returning of transactions is not allowed."),
    _err(674, "Returning of line item is not allowed."),
    _err(675, "Returning of transaction amount is not allowed."),
    _err(676, "Returning of a complete transaction amount is not allowed."),
    _err(677, "Unable to process. Please enter a transaction number for returning a transaction."),
    _err(678, "Amount of returned item is more than purchased item."),
    _err(679, "Line-item(s) to be returned is not specified."),
    _err(680, "No transactions of the specific customer were found."),
    _err(681, "Transactions are blocked for this customer."),
    _err(682, "Currency conversion is disabled for the org."),
    _err(683, "Failed to call new bill event EMF."),
    _err(684, "Failed EMF new bill DVS event."),
    _err(685, "Field length too long."),
    _err(686, "Unable to add transaction."),
    # 687: also OTHER_MESSAGES[687]
    _err(687, "Points activities are queued and will be updated later."),
    _err(688, "No matching line-item found for return."),  # also: OTHER_MESSAGES[688]
    _err(689, "Points processing failed"),
    _err(690, "Points processing failed"),
    _err(691, "Points processing failed"),
    _err(692, "Points processing failed"),
    _err(693, "Points processing failed"),
    _err(694, "Points processing failed"),
    _err(695, "Invalid configuration. Please report to the Capillary Support."),
    _err(696, "Points processing failed"),
    _err(697, "Points processing failed"),
    _err(698, "Points processing failed."),
    _err(699, "Invalid configuration. Please report to the Capillary Support."),
    # 820: 004's points table says "Unable to process. Customer is marked as fraud";
    # the transaction wording was chosen (it is the more explicit one).  Fraud -> 403.
    _forbidden(820, "Current operation is not allowed. The customer is marked as fraud."),
    _err(1623, "Transaction type is invalid."),
    _err(1624, "Insufficient parameters passed to fetch transaction."),
    _err(1625, "Target type is not specified."),
    _err(1626, "The requested transaction type cannot be changed."),
    _err(1627, "The transaction is already marked as retro."),
    _err(1628, "Transaction id is invalid"),
    _err(1629, "Client signature is required to perform this action"),
    _err(1631, "Retro transaction is not enabled for your organization"),
    _err(
        1632,
        "Registration date is too older than the transaction date. See the retro "
        "configuration set for your organization",
    ),
    _err(1633, "The duration between registration and transaction mapping exceeds the limit set"),
    _err(1634, "Return type is invalid"),
    _err(1635, "Please pass line-items that need to be returned"),
    _err(1636, "Transaction status is invalid"),
    _err(9601, "Failed to add line-item."),
    _err(9602, "Failed to add credit notes."),
    _err(9603, "Failed to add payment more details (tender)."),
    _err(9604, "Failed to add custom fields"),
    _err(9605, "Base currency is not set for the org."),
    _err(9606, "Currency not passed for the transaction."),
    _err(9607, "Payment mode (tender) not found."),
    _err(9608, "Line-item with the item code {x} passed is marked as outlier."),
    _err(9609, "Invalid payment attribute passed."),
    _err(9610, "New bill event failed. Points are not awarded."),
    _err(9611, "Transaction is marked as outlier."),
    _err(9612, "Unable to save credit notes."),
    _err(9613, "Invalid payment attribute."),
    _err(9614, "Multiple loyalty bills found to be returned."),
    _err(9615, "Validity (in days) for return policy is not defined."),
    _err(9616, "Single loyalty bill found. Allowing regular return."),
    # ------------------------------------------------------------------
    # Points.
    # Seed: 004 "Points".  816 and 820 are also used here; see those entries.
    # ------------------------------------------------------------------
    _ok(800, "Points redeemed successfully"),
    _err(801, "Points you are trying to redeem are invalid"),
    _err(802, "Mobile number/email id/external id you have entered is invalid"),
    _err(
        803,
        "Unable to redeem. The points you are trying to redeem is more than the available points",
    ),
    _err(804, "Insufficient current points."),
    _err(805, "Insufficient lifetime points."),
    _err(806, "Insufficient lifetime purchases amount."),
    _err(  # the seed's text is missing the number after "multiple of"; kept as given
        807,
        "Unable to redeem. Make sure that the points you are trying to redeem is a multiple "
        "of . Check the points redemption configuration of your organization.",
    ),
    _err(808, "Unable to redeem. Validation code is invalid"),
    _forbidden(809, "Unable to process. Customer is marked as fraud"),
    _err(810, "Mismatch in points for revert API call"),
    _err(811, "The transaction number entered to redeem/revert points is invalid"),
    _err(812, "The points have been reverted already for this transaction number"),
    _err(813, "Insufficient current points available for redemption"),
    _err(814, "No points were redeemed on this transaction number"),
    _err(815, "Unable to process points at this moment. Please try again later"),
    _err(817, "Points redemption failed"),
    _err(818, "Points you are trying to redeem are more than the available points"),
    _err(
        819,
        "Points you are trying to redeem are more than the maximum allowed redemption limit. "
        "Unable to send message to customer",
    ),
    _err(821, "Points you are trying to redeem are less than the minimum redemption limit"),
    _err(822, "Unable to find missed call from the registered mobile number"),
    _err(823, "Missed call redemption is disabled for your organization"),
    _err(824, "Mobile number validation is mandatory for redeeming points"),
    _err(825, "Client signature is required"),
    _err(826, "Invalid points category or invalid configuration"),
    # 827: "is enabled" presumably means "is disabled"; kept as the seed gives it.
    _err(827, "Unable to redeem points. Points redemption is enabled for your organization"),
    _err(828, "Unable to redeem points at this moment. Please try again later"),
    _err(829, "Unable to redeem points at this moment. Please try again later"),
    _err(850, "Unable to redeem points at this moment. Please try again later"),
    _err(859, "The redemption time you have passed is invalid"),
    _err(860, "Unable to issue OTP"),
    _err(881, "Customer is not registered into the loyalty program"),
    _err(886, "Unable to process points at this moment. Please try again later"),
    _err(887, "Unable to process points at this moment. Please try again later"),
    _err(888, "Configuration is invalid. Please report to Capillary Support"),
    _err(889, "Unable to process points at this moment. Please try again later"),
    _err(890, "Unable to process points at this moment. Please try again later"),
    _err(891, "Unable to process points at this moment. Please try again later"),
    _err(892, "Unable to process points at this moment. Please try again later"),
    _err(893, "Unable to process points at this moment. Please try again later"),
    _err(894, "Unable to process points at this moment. Please try again later"),
    _err(895, "Loyalty program is not configured for your organization"),
    _err(896, "Unable to process points at this moment. Please try again later"),
    _err(897, "Unable to process points at this moment. Please try again later"),
    _err(898, "Unable to process points at this moment. Please try again later"),
    _err(899, "Configuration is invalid. Please report to Capillary Support"),
    # ------------------------------------------------------------------
    # Coupons.
    # Seed: 004 "Coupons".
    # ------------------------------------------------------------------
    _ok(700, "Coupon processed successfully"),  # also: OTHER_MESSAGES[700]
    _not_found(
        701, "Unable to find the customer. Please enter correct mobile number/email id/external id"
    ),
    _err(702, "Coupon code is invalid"),
    _err(703, "Coupon not issued to this customer"),
    _err(704, "Unable to send coupon to the customer’s mobile number"),
    _err(705, "Invalid coupon code and validation code"),
    _err(706, "Unable to redeem coupon"),
    _err(707, "Coupon series id is invalid"),
    _err(709, "Unable to redeem coupon"),
    # 710: 004's transaction table reuses it for "Return bill event failed from EMF.";
    # the coupon meaning was chosen (710 sits in the coupon 7xx block; the transaction
    # row is the outlier in the 6xx block).
    _err(710, "Coupon cannot be redeemed by this customer"),
    _err(711, "Coupon is redeemed already"),
    _err(712, "Unable to redeem. Either coupon series or campaign might have expired"),
    _err(713, "Coupon has expired"),
    _err(
        714, "Unable to redeem. Maximum redemptions allowed for this campaign are already reached"
    ),
    _err(715, "Unable to redeem. The coupon is not valid for this organization"),
    _err(716, "Unable to redeem. Cannot redeem same coupon multiple times"),
    _err(718, "Unable to redeem. Please enter transaction number must be entered to redeem"),
    _not_found(719, "Coupon code does not exist"),
    _err(720, "Unable to redeem. This is just a trial coupon and cannot be redeemed"),
    _err(721, "Unable to issue/redeem coupon. Customer is invalid"),
    _err(722, "Unable to issue coupon"),
    _err(723, "Unable to redeem. The coupon cannot be used by this customer"),
    _err(724, "Unable to send message"),
    _err(725, "Unable to redeem coupon. Please provide validation code to redeem"),
    _err(726, "Validation not required"),
    _err(
        728,
        "Unable to redeem. Maximum number of coupon redemptions allowed has already been reached",
    ),
    _err(729, "Invalid redemption date range for the coupon series"),
    _err(730, "Unknown error"),
    _err(732, "No Missed call received from the customer"),
    _err(733, "Transaction amount invalid"),
    _err(735, "Unable to redeem coupon. The coupon cannot be redeemed at this store"),
    _err(
        736,
        "Unable to redeem coupon. Maximum number of coupon redemptions allowed has already "
        "been reached",
    ),
    _err(738, "Cannot redeem the coupon. Please wait for days to redeem this coupon again"),
    _err(739, "Unable to redeem. Make sure that the redemption date you have entered is valid"),
    _forbidden(740, "Unable to process. Customer is marked as fraud"),
    _err(742, "Coupon issual or redemption is blocked for this customer"),
    _forbidden(750, "Unable to process. Customer is marked as fraud"),
    _err(786, "Unable to process coupon. Please try again later"),
    _err(787, "Unable to process coupon. Please try again later"),
    _err(788, "Configuration is invalid. Please report to Capillary Support"),
    _err(789, "Unable to process coupon. Please try again later"),
    _err(790, "Unable to process coupon. Please try again later"),
    _err(791, "Unable to process coupon. Please try again later"),
    _err(792, "Unable to process coupon. Please try again later"),
    _err(793, "Unable to process coupon. Please try again later"),
    _err(794, "Unable to process coupon. Please try again later"),
    _err(795, "Configuration is invalid. Please report to Capillary Support"),
    _err(796, "Unable to process coupon. Please try again later"),
    _err(797, "Unable to process coupon. Please try again later"),
    _err(798, "Unable to process coupon. Please try again later"),
    _err(799, "Configuration is invalid. Please report to Capillary Support"),
    # ------------------------------------------------------------------
    # Change / merge request workflow (changeIdentifier, merge and retro requests).
    # None of the seeds has the 9001-9055 block; these are the project's own.
    # ------------------------------------------------------------------
    # project code: not in seeds
    _err(9002, "New mobile number is already in use by another customer"),
    # project code: not in seeds
    _err(9003, "New email id is already in use by another customer"),
    # project code: not in seeds
    _err(9005, "New external id is already in use by another customer"),
    # project code: not in seeds
    _err(9006, "Invalid request type"),
    # project code: not in seeds
    _err(9008, "Invalid base type"),
    # project code: not in seeds
    _err(9012, "Old value does not belong to the customer"),
    # project code: not in seeds
    _not_found(9013, "Request not found"),
    # project code: not in seeds
    _err(9018, "A pending merge request already exists for the victim"),
    # project code: not in seeds
    _err(9022, "Customer is not a loyalty customer"),
    # project code: not in seeds
    _err(9023, "Survivor is a merge victim"),
    # project code: not in seeds
    _err(9024, "New identifier value is invalid"),
    # project code: not in seeds
    _err(9026, "A pending merge request already exists for the survivor"),
    # project code: not in seeds
    _err(9027, "Victim is already merged"),
    # project code: not in seeds
    _err(9028, "Another pending request exists for this identifier and value"),
    # project code: not in seeds
    _err(9029, "Victim and survivor are the same customer"),
    # project code: not in seeds
    _err(9031, "New value is the same as the old value"),
    # Request workflow (loyalty.workflow.services): deciding, goodwill rules, permissions.
    # project code: not in seeds
    _err(9014, "Request already processed", 409),
    # project code: not in seeds
    _err(9015, "Reason {x} is not allowed for this request type"),
    # project code: not in seeds
    _err(9016, "Goodwill points exceed the upper limit of {x}"),
    # project code: not in seeds
    _err(9017, "A reason is required to reject a request"),
    # project code: not in seeds
    _forbidden(9019, "The requester cannot decide their own request"),
    # project code: not in seeds
    _err(9020, "Invalid decision status; use APPROVED or REJECTED"),
    # project code: not in seeds
    _forbidden(9021, "Permission to {x} this request type is missing"),
    # project code: not in seeds
    _warn(
        9025, "Auto-approval is not allowed for this request type; the request waits for a checker"
    ),
    # project code: not in seeds
    _err(9030, "Request field {x} is missing or invalid"),
    # project code: not in seeds
    _err(9033, "Approved value cannot be more than the requested value"),
    # Erasure of a customer's personal data (customers.erasure, the ERASURE request).
    # project code: not in seeds
    _err(9034, "A pending erasure request already exists for this customer"),
    # project code: not in seeds
    _err(9035, "The customer's personal data is already erased"),
    # ------------------------------------------------------------------
    # Loyalty (programs, ledger): the project's own, for what the seeds leave open.
    # ------------------------------------------------------------------
    # project code: not in seeds
    _warn(9201, "Loyalty program {x} not found; enrollment skipped"),
    # project code: not in seeds
    _warn(9202, "Tier number {x} not found in program {y}; enrolled in the base tier"),
    # project code: not in seeds
    _warn(9203, "Points expiry date {x} is in the past; the program's points validity is used"),
    # project code: not in seeds
    _warn(9204, "Customer is not a loyalty customer; program enrollments ignored"),
    # project code: not in seeds
    _err(9205, "Invalid cursor"),
    # project code: not in seeds
    _err(9206, "Points cannot be transferred to the same customer"),
    # project code: not in seeds. An opening balance (`loyaltyProgramEnrollments[].
    # loyaltyPoints` on register / update) is refused, not skipped with a warning: it is
    # credited on a new enrollment only, so a skipped balance could never be sent again.
    _err(
        9207,
        "Opening balance {x} of program {y} is invalid: a whole number of points from 0 to "
        "{z} is required",
    ),
]


# Further messages the seeds give for the same code (one code shared by several
# operations).  ``StatusCode.message`` is the first; these are the others, in the
# order the seeds list them.
OTHER_MESSAGES: dict[int, tuple[str, ...]] = {
    1000: (
        "Customer retrieved successfully.",
        "Subscription updated successfully.",
        "Subscription retrieved successfully.",
        "Customer updated successfully.",
        "Coupons retrieved successfully.",
        "Customer notes added/updated successfully.",
        "Customer notes retrieved successfully.",
        "Customer preferences retrieved successfully.",
        "Customer preferences updated successfully.",
        "Referral statistics retrieved successfully.",
        "Referrals are invited successfully.",
    ),
    1300: ("Ticket added successfully.",),
    600: ("Transaction retrieved successfully.", "Transaction updated successfully."),
    671: ("Invalid category code.",),
    687: ("Item code {x} merge is not supported.",),
    688: ("Transaction number not found.",),
    700: ("Coupon series fetched successfully",),
}


def _build(entries: list[StatusCode]) -> dict[int, StatusCode]:
    registry: dict[int, StatusCode] = {}
    for entry in entries:
        if entry.code in registry:
            raise AssertionError(f"status code {entry.code} is listed twice")
        if entry.kind not in KINDS:
            raise AssertionError(f"status code {entry.code}: unknown kind {entry.kind!r}")
        if not 200 <= entry.http_status <= 599:
            raise AssertionError(f"status code {entry.code}: bad HTTP status {entry.http_status}")
        if entry.kind != ERROR and entry.http_status != 200:
            raise AssertionError(f"status code {entry.code}: {entry.kind} must answer 200")
        registry[entry.code] = entry
    for code in OTHER_MESSAGES:
        if code not in registry:
            raise AssertionError(f"OTHER_MESSAGES names unknown status code {code}")
    return registry


CODES: dict[int, StatusCode] = _build(ENTRIES)


class Code(IntEnum):
    """The codes the code raises or answers, named for what they mean; each is in CODES with
    its seed wording (tests/config/test_codes.py checks it). Raise sites use these names,
    never bare numbers."""

    BAD_REQUEST = 400
    UNAUTHENTICATED = 401
    PERMISSION_DENIED = 403
    RESOURCE_NOT_FOUND = 404
    METHOD_NOT_ALLOWED = 405
    NOT_ACCEPTABLE = 406
    LOCK_CONFLICT = 409
    BODY_TOO_LARGE = 413
    UNSUPPORTED_MEDIA_TYPE = 415
    IDEMPOTENCY_KEY_REUSED = 422
    RATE_LIMITED = 429
    INTERNAL_ERROR = 500
    SERVICE_UNAVAILABLE = 503
    TRANSACTION_AMOUNT_INVALID = 601
    TRANSACTION_NUMBER_INVALID = 602
    TRANSACTION_NUMBER_EXISTS = 604
    TRANSACTION_TYPE_UNSUPPORTED = 605
    TRANSACTION_CUSTOMER_MISSING = 606
    TRANSACTION_CUSTOMER_NOT_FOUND = 611
    TRANSACTION_CUSTOMER_FRAUD = 618
    TRANSACTION_DATE_INVALID = 621
    RETURN_WITHOUT_TRANSACTION = 624
    TRANSACTION_NOT_FOUND = 625
    RETURN_EXCEEDS_AMOUNT = 630
    TRANSACTION_ALREADY_RETURNED = 633
    TRANSACTION_DATE_TOO_FAR = 643
    STORE_OR_TILL_INVALID = 671
    COUPON_CODE_INVALID = 702
    COUPON_NOT_THE_CUSTOMERS = 703
    COUPON_SERIES_INVALID = 707
    COUPON_ALREADY_REDEEMED = 711
    COUPON_SERIES_EXPIRED = 712
    COUPON_EXPIRED = 713
    COUPON_ISSUE_FAILED = 722
    POINTS_INVALID = 801
    POINTS_MORE_THAN_AVAILABLE = 803
    POINTS_INSUFFICIENT = 804
    POINTS_CUSTOMER_NOT_FOUND = 816
    NOT_ENROLLED = 881
    PROGRAM_NOT_CONFIGURED = 895
    REGISTER_MOBILE_INVALID = 1001
    REGISTER_EMAIL_INVALID = 1002
    REGISTER_EXTERNAL_ID_INVALID = 1003
    LOYALTY_IDENTIFIER_MISSING = 1007
    CUSTOM_FIELD_INVALID = 1017
    REGISTRATION_DATE_OUT_OF_RANGE = 1034
    DETAILS_PERMISSION_DENIED = 1044
    NON_LOYALTY_IDENTIFIER_MISSING = 1045
    LOYALTY_CONVERSION_NOT_ALLOWED = 1046
    SUBSCRIPTION_CHANNEL_INVALID = 1101
    SUBSCRIPTION_PRIORITY_INVALID = 1102
    SUBSCRIPTION_SCOPE_INVALID = 1103
    SUBSCRIPTION_SCOPES_MULTIPLE = 1105
    SUBSCRIPTION_STATUS_INVALID = 1106
    SUBSCRIPTION_CAMPAIGN_ID_INVALID = 1107
    SUBSCRIPTION_OUTBOX_ID_INVALID = 1108
    SUBSCRIPTION_UPDATE_FAILED = 1110
    DATE_FORMAT_UNSUPPORTED = 1216
    RETRO_TRANSACTION_TYPE_INVALID = 1623
    RETRO_ALREADY_MARKED = 1627
    RETRO_TRANSACTION_ID_INVALID = 1628
    RETRO_NOT_ENABLED = 1631
    RETRO_REGISTRATION_TOO_OLD = 1632
    RETRO_MAPPING_WINDOW_EXCEEDED = 1633
    LOOKUP_SOURCE_MISSING = 8001
    ADD_SOURCE_MISSING = 8004
    CUSTOMER_EXISTS_IN_SOURCE = 8006
    UPDATE_CUSTOMER_EXISTS_IN_SOURCE = 8007
    UPDATE_CUSTOMER_NOT_FOUND = 8009
    COMM_CHANNEL_INVALID = 8010
    SOURCE_ACCOUNT_INVALID = 8011
    SOURCE_INVALID = 8012
    IDENTIFIER_INVALID = 8013
    CUSTOMER_NOT_FOUND = 8015
    REGISTRATION_DATE_INVALID = 8017
    LOYALTY_TO_NON_LOYALTY = 8018
    ACCOUNT_ID_MISSING = 8045
    COMBINED_WITH_OTHER_SOURCE = 8050
    MERGED_WITH_OTHER_SOURCE = 8051
    REGISTER_CONFLICTING_CUSTOMERS = 8052
    UPDATE_CONFLICTING_CUSTOMERS = 8053
    CHANGE_EMAIL_INVALID = 8055
    CHANGE_MOBILE_INVALID = 8056
    COMM_CHANNEL_EMAIL_INVALID = 8057
    COMM_CHANNEL_MOBILE_INVALID = 8058
    CHANGE_EXTERNAL_ID_INVALID = 8064
    NOT_FOUND_IN_SOURCE = 8065
    HOLDER_HAS_PROFILE_IN_SOURCE = 8066
    ALREADY_MERGED = 8067
    MERGED_CUSTOMER = 8069
    NO_VALID_IDENTIFIER_CHANGE = 8070
    IDENTIFIER_ALREADY_HELD_MOBILE = 8071
    IDENTIFIER_ALREADY_HELD_EMAIL = 8072
    IDENTIFIER_ALREADY_HELD_EXTERNAL_ID = 8073
    STATUS_LABEL_INVALID = 8086
    OFFSET_NEGATIVE = 8100
    LIMIT_NOT_POSITIVE = 8101
    LIMIT_TOO_LARGE = 8102
    START_DATE_INVALID = 8112
    END_DATE_INVALID = 8113
    START_AFTER_END = 8115
    WRITE_SOURCE_OR_ACCOUNT_INVALID = 8127
    NEW_MOBILE_IN_USE = 9002
    NEW_EMAIL_IN_USE = 9003
    NEW_EXTERNAL_ID_IN_USE = 9005
    REQUEST_TYPE_INVALID = 9006
    REQUEST_BASE_TYPE_INVALID = 9008
    OLD_VALUE_NOT_THE_CUSTOMERS = 9012
    REQUEST_NOT_FOUND = 9013
    REQUEST_ALREADY_PROCESSED = 9014
    REQUEST_REASON_NOT_ALLOWED = 9015
    GOODWILL_OVER_LIMIT = 9016
    REJECTION_REASON_REQUIRED = 9017
    VICTIM_MERGE_PENDING = 9018
    OWN_REQUEST_DECISION = 9019
    DECISION_STATUS_INVALID = 9020
    REQUEST_PERMISSION_MISSING = 9021
    NOT_LOYALTY_CUSTOMER = 9022
    SURVIVOR_IS_VICTIM = 9023
    NEW_IDENTIFIER_INVALID = 9024
    AUTO_APPROVAL_NOT_ALLOWED = 9025
    SURVIVOR_MERGE_PENDING = 9026
    VICTIM_ALREADY_MERGED = 9027
    IDENTIFIER_REQUEST_PENDING = 9028
    MERGE_WITH_ITSELF = 9029
    REQUEST_FIELD_INVALID = 9030
    NEW_VALUE_SAME_AS_OLD = 9031
    APPROVED_OVER_REQUESTED = 9033
    ERASURE_PENDING = 9034
    ALREADY_ERASED = 9035
    ENROLLMENT_PROGRAM_NOT_FOUND = 9201
    ENROLLMENT_TIER_NOT_FOUND = 9202
    ENROLLMENT_EXPIRY_IN_PAST = 9203
    ENROLLMENT_NOT_LOYALTY = 9204
    CURSOR_INVALID = 9205
    TRANSFER_TO_SELF = 9206
    OPENING_BALANCE_INVALID = 9207
    FIELD_UPDATE_NOT_ALLOWED = 91006
    SURVIVOR_FOR_VICTIM = 91009
    EXTENDED_FIELD_FAILED = 91015
    REGISTRATION_TILL_INVALID = 91020


def get(code: int) -> StatusCode:
    """Return the registry entry for ``code``; ``KeyError`` if the code is unknown."""
    try:
        return CODES[code]
    except KeyError:
        raise KeyError(f"unknown status code: {code!r}") from None


# Staff wording: how the console says a refusal (the API answers the seed wording above).
# One table for every screen; STAFF_MESSAGES_ON holds a screen's own reading of a code,
# `{name}` placeholders filled from what the screen's form knows.
STAFF_MESSAGES: dict[int, str] = {
    Code.TRANSACTION_CUSTOMER_FRAUD: "This customer is marked as fraud: no request is accepted until the fraud status is lifted.",
    Code.COUPON_SERIES_INVALID: "This coupon series does not exist or is switched off.",
    Code.POINTS_CUSTOMER_NOT_FOUND: "No customer has this user id.",
    Code.PROGRAM_NOT_CONFIGURED: "This loyalty program does not exist or is switched off.",
    Code.CUSTOM_FIELD_INVALID: "One of the custom fields is not configured for the organisation.",
    Code.LOYALTY_CONVERSION_NOT_ALLOWED: "A loyalty customer cannot become a non-loyalty customer.",
    Code.RETRO_ALREADY_MARKED: "This bill was already claimed: it is a regular or retro bill now.",
    Code.RETRO_TRANSACTION_ID_INVALID: "No bill with this number at this store on this date: check the bill number, the store and the bill date.",
    Code.RETRO_NOT_ENABLED: "Retro claims are switched off (Loyalty › Request type configurations).",
    Code.RETRO_REGISTRATION_TOO_OLD: "This bill is older than the retro window allows.",
    Code.RETRO_MAPPING_WINDOW_EXCEEDED: "This bill is dated too long before the customer registered.",
    Code.LOYALTY_TO_NON_LOYALTY: "A loyalty customer cannot become a non-loyalty customer.",
    Code.ACCOUNT_ID_MISSING: "Choose one of the customer's profiles (a source with several accounts needs its account).",
    Code.ALREADY_MERGED: "This customer was merged into another one: raise the request on the survivor.",
    Code.STATUS_LABEL_INVALID: "Choose one of the listed statuses.",
    Code.WRITE_SOURCE_OR_ACCOUNT_INVALID: "This profile's account is not configured (or switched off).",
    Code.NEW_MOBILE_IN_USE: "The new mobile number already belongs to another customer.",
    Code.NEW_EMAIL_IN_USE: "The new e-mail address already belongs to another customer.",
    Code.NEW_EXTERNAL_ID_IN_USE: "The new external id already belongs to another customer.",
    Code.OLD_VALUE_NOT_THE_CUSTOMERS: "The old value is not one of this customer's identifiers in the chosen profile.",
    Code.REQUEST_NOT_FOUND: "This request does not exist.",
    Code.REQUEST_ALREADY_PROCESSED: "This request was already decided.",
    Code.REQUEST_REASON_NOT_ALLOWED: "This reason is not one of the reasons configured for the request type.",
    Code.REJECTION_REASON_REQUIRED: "Write the reason for the rejection: the requester sees it.",
    Code.VICTIM_MERGE_PENDING: "The duplicate already has a merge request waiting for a decision.",
    Code.OWN_REQUEST_DECISION: "You raised this request: another checker decides it (four eyes).",
    Code.REQUEST_PERMISSION_MISSING: "Your role may not do this for this request type.",
    Code.NOT_LOYALTY_CUSTOMER: "This customer is not a loyalty customer: goodwill points and retro claims need one.",
    Code.SURVIVOR_IS_VICTIM: "This customer was itself merged into another one: it cannot take in a duplicate.",
    Code.NEW_IDENTIFIER_INVALID: "The new value is not a valid mobile number, e-mail address or external id.",
    Code.SURVIVOR_MERGE_PENDING: "This customer already has a merge request waiting for a decision.",
    Code.VICTIM_ALREADY_MERGED: "That customer was already merged into another one.",
    Code.IDENTIFIER_REQUEST_PENDING: "Another request for this value is waiting for a decision.",
    Code.MERGE_WITH_ITSELF: "A customer cannot be merged into itself: enter the user id of the duplicate.",
    Code.NEW_VALUE_SAME_AS_OLD: "The new value is the same as the old one.",
    Code.APPROVED_OVER_REQUESTED: "Approve at most the points that were asked for.",
    Code.ERASURE_PENDING: "An erasure request for this customer is already waiting for a decision.",
    Code.ALREADY_ERASED: "This customer's personal data is already erased.",
}
STAFF_MESSAGES_ON: dict[str, dict[int, str]] = {
    "customer edit": {
        Code.TRANSACTION_CUSTOMER_FRAUD: "This customer is marked as fraud: no change is accepted until the fraud status is lifted.",
        Code.POINTS_CUSTOMER_NOT_FOUND: "This customer no longer exists.",
    },
    "merge": {
        Code.POINTS_CUSTOMER_NOT_FOUND: "No customer has user id {victim}.",
        Code.VICTIM_ALREADY_MERGED: "Customer {victim} was already merged into another customer.",
    },
    "mobile-realloc": {
        Code.POINTS_CUSTOMER_NOT_FOUND: "No customer has user id {from_customer}.",
        Code.OLD_VALUE_NOT_THE_CUSTOMERS: "Customer {from_customer} does not hold this mobile number in {source}.",
        Code.MERGE_WITH_ITSELF: "This customer already holds the mobile: enter the user id of the customer who holds it now.",
    },
}


def staff_message(code: int, screen: str = "") -> str | None:
    """The console's sentence for a code, the screen's own reading first; None when the
    console says it as the API does."""
    return STAFF_MESSAGES_ON.get(screen, {}).get(code) or STAFF_MESSAGES.get(code)
