"""Staff groups. Their permissions are granted by data migrations, app by app."""

CHECKER = "审核员 checker"
APPROVER = "审批人 approver"
SERVICE_STAFF = "服务专员 service staff"
GRID_ADMIN = "网格管理员 grid admin"
# Runs courier stations: topics, sessions, events, volunteer teams, rewards and hand-overs.
STATION_STAFF = "驿站管理员 station staff"
# Answers people about the messages they got (or did not): the only group that reads the
# message admin and the text of personal messages (notifications 0004).
SUPPORT = "客服 support"

STAFF_GROUPS = (CHECKER, APPROVER, SERVICE_STAFF, GRID_ADMIN, STATION_STAFF, SUPPORT)

# Read workers' mobile numbers in full (accounts.see_phone_number, granted by accounts 0005): they
# call applicants and people who asked for help. Station staff and support do not need it.
SEE_FULL_PHONE = (CHECKER, APPROVER, SERVICE_STAFF, GRID_ADMIN)
