"""The message catalogue: what a person reads, by stable code, Chinese first.

``text(code)`` is the zh-CN message; ``text(code, "en")`` the English one, for the console's
language switch. Error classes take their message from here (``chalicelib.errors``), so no
message is written in a code path. Codes not yet in the catalogue keep their class's message.
"""
from __future__ import annotations

DEFAULT = "zh-CN"
LANGUAGES = ("zh-CN", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "zh-CN": {
        "OPERATOR_LOGIN_REQUIRED": "请先登录运营后台。",
        "OPERATOR_SESSION_INVALID": "登录已过期或已被注销，请重新登录。",
        "OPERATOR_DISABLED": "该运营账号已停用，请联系店主。",
        "OPERATOR_LOGIN_FAILED": "账号或密码错误。",
        "OPERATOR_LOGIN_RATE_LIMITED": "登录尝试过于频繁，请稍后再试。",
        "OPERATOR_FORBIDDEN": "当前角色无权进行此操作。",
        "CSRF_TOKEN_INVALID": "页面已失效，请刷新后重试（缺少或错误的 X-CSRF-Token）。",
        "OPERATOR_SHARED_KEY_DISABLED": "共享运营密钥未启用，请使用个人账号登录，或由店主在设置中启用。",
        "AUTH_OPERATOR_REQUIRED": "需要运营人员登录，或正确的运营密钥（HUILIU_OPERATOR_KEY）。",
        "OPERATOR_EXISTS": "该登录名已被使用。",
        "OPERATOR_NOT_FOUND": "找不到该运营账号。",
        "OPERATOR_LAST_OWNER": "这是最后一位店主，不能停用或更改其角色；请先添加另一位店主。",
        "OPERATOR_NAME_INVALID": "登录名须为 1–32 个字母、数字或 . _ - @。",
        "OPERATOR_PASSWORD_WEAK": "密码须为 10–128 个可打印字符，且不能过于简单。",
        "AUDIT_CURSOR_INVALID": "分页游标无效，请从第一页重新读取。",
        "RULES_VERSION_STALE": "规则已被他人修改或回滚，请刷新后在最新版本上重新操作。",
        "RULES_VERSION_NOT_FOUND": "找不到该规则版本。",
        "ALERT_RULE_NOT_FOUND": "找不到该预警规则。",
        "ALERT_RULES_FULL": "预警规则已达上限（50 条），请先删除不用的规则。",
        "ALERT_WEBHOOK_INVALID": "请粘贴企业微信群机器人的 Webhook 地址：https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
        "ALERT_CURSOR_INVALID": "分页游标无效，请从第一页重新读取。",
        "ALERT_RULE_INVALID": "预警规则无效：",
        "ALERT_FIELD_UNKNOWN": "不认识的字段 {field}",
        "ALERT_FIELD_MISSING": "缺少字段 {field}",
        "ALERT_FIELD_INVALID": "字段 {field} 的值无效或超出范围",
        "ALERT_PERIODS_RANGE": "按{unit}计时，连续周期数为 1–{most}",
        "ALERT_THRESHOLD_PERCENT": "{metric} 是比率，阈值为 0–100（百分比）",
        "ALERT_THRESHOLD_WHOLE": "{metric} 是人数，阈值须为整数",
        "CAMPAIGN_NOT_FOUND": "找不到该活动。",
        "CAMPAIGN_EXISTS": "该编号的活动已存在，请换一个编号。",
        "CAMPAIGN_VERSION_STALE": "活动已被他人修改，请刷新后在最新内容上重新修改。",
        "CAMPAIGN_ENDED": "活动已结束，不能再修改、暂停或恢复。",
        "CAMPAIGN_EDIT_UNSAFE": "活动已开始，只能修改名称、延后结束时间、追加库存或提高每人限购。",
        "CAMPAIGN_FIELD_LOCKED": "{field}：活动已开始，不能修改",
        "CAMPAIGN_ENDS_EARLIER": "{field}：活动已开始，结束时间只能延后，且须晚于现在",
        "CAMPAIGN_LIMIT_LOWER": "{field}：活动已开始，每人限购只能提高",
        "CAMPAIGN_STOCK_UNLIMITED": "{field}：不限量的活动无需追加库存",
        "CAMPAIGN_ENDS_PAST": "{field}：结束时间须晚于现在",
        "MEMBER_NOT_FOUND": "找不到该会员（可能从未登录，或已被删除）。",
        "MEMBER_QUERY_INVALID": "请输入用户 ID 或手机号（二选一）。",
        "MEMBER_PHONE_INVALID": "手机号格式不对：请输入 6–15 位数字，中国大陆号码为 11 位，可带 +86。",
        "MEMBER_USER_ID_INVALID": "用户 ID 格式不对：以 u 开头，共 25 位字母和数字。",
        "MEMBER_CURSOR_INVALID": "分页游标无效，请从第一页重新读取。",
    },
    "en": {
        "OPERATOR_LOGIN_REQUIRED": "Log in to the console first.",
        "OPERATOR_SESSION_INVALID": "The session has expired or was ended; log in again.",
        "OPERATOR_DISABLED": "This operator account is disabled; ask the owner.",
        "OPERATOR_LOGIN_FAILED": "Wrong name or password.",
        "OPERATOR_LOGIN_RATE_LIMITED": "Too many login attempts; try again later.",
        "OPERATOR_FORBIDDEN": "Your role may not do this.",
        "CSRF_TOKEN_INVALID": "The page is stale; reload it and try again (X-CSRF-Token missing or wrong).",
        "OPERATOR_SHARED_KEY_DISABLED": "The shared operator key is off: log in with your own account, "
                                        "or have the owner enable it in the settings.",
        "AUTH_OPERATOR_REQUIRED": "An operator's login, or the right operator key (HUILIU_OPERATOR_KEY), is required.",
        "OPERATOR_EXISTS": "That login name is taken.",
        "OPERATOR_NOT_FOUND": "No such operator.",
        "OPERATOR_LAST_OWNER": "This is the last owner: it cannot be disabled or given another role; "
                               "add another owner first.",
        "OPERATOR_NAME_INVALID": "A login name is 1 to 32 letters, digits or . _ - @.",
        "OPERATOR_PASSWORD_WEAK": "A password is 10 to 128 printable characters, and not too simple.",
        "AUDIT_CURSOR_INVALID": "The paging cursor is not valid; read from the first page again.",
        "RULES_VERSION_STALE": "Someone else changed or rolled back these rules; reload and apply your change "
                               "to the latest version.",
        "RULES_VERSION_NOT_FOUND": "No such version of these rules.",
        "ALERT_RULE_NOT_FOUND": "No such alert rule.",
        "ALERT_RULES_FULL": "The shop has 50 alert rules, the most it may keep; delete one first.",
        "ALERT_WEBHOOK_INVALID": "Paste the WeCom group robot's webhook URL: "
                                 "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
        "ALERT_CURSOR_INVALID": "The paging cursor is not valid; read from the first page again.",
        "ALERT_RULE_INVALID": "The alert rule is not valid: ",
        "ALERT_FIELD_UNKNOWN": "unknown field {field}",
        "ALERT_FIELD_MISSING": "field {field} is missing",
        "ALERT_FIELD_INVALID": "field {field} is not valid or out of range",
        "ALERT_PERIODS_RANGE": "counted in {unit}s, periods is 1 to {most}",
        "ALERT_THRESHOLD_PERCENT": "{metric} is a rate: the threshold is a percentage, 0 to 100",
        "ALERT_THRESHOLD_WHOLE": "{metric} is a count: the threshold is a whole number",
        "CAMPAIGN_NOT_FOUND": "No such campaign.",
        "CAMPAIGN_EXISTS": "A campaign with this id exists; choose another id.",
        "CAMPAIGN_VERSION_STALE": "Someone else changed this campaign; reload and make your change again.",
        "CAMPAIGN_ENDED": "The campaign has ended: it can no longer be edited, paused or resumed.",
        "CAMPAIGN_EDIT_UNSAFE": "The campaign has started: only its name, a later end, more stock or a higher "
                                "per-user limit can change.",
        "CAMPAIGN_FIELD_LOCKED": "{field}: cannot change once the campaign has started",
        "CAMPAIGN_ENDS_EARLIER": "{field}: once started, the end can only move later, and after now",
        "CAMPAIGN_LIMIT_LOWER": "{field}: once started, the per-user limit can only rise",
        "CAMPAIGN_STOCK_UNLIMITED": "{field}: the stock is unlimited; there is none to add",
        "CAMPAIGN_ENDS_PAST": "{field}: the end must be after now",
        "MEMBER_NOT_FOUND": "No such member (never logged in, or erased).",
        "MEMBER_QUERY_INVALID": "Give a user id or a phone number (one of them).",
        "MEMBER_PHONE_INVALID": "Not a phone number: 6 to 15 digits; a mainland number has 11, +86 allowed.",
        "MEMBER_USER_ID_INVALID": "Not a user id: u followed by 24 letters and digits.",
        "MEMBER_CURSOR_INVALID": "The paging cursor is not valid; read from the first page again.",
    },
}


def text(code: str, language: str = DEFAULT) -> str:
    """The message for ``code`` in ``language`` (falling back to zh-CN, then to the code)."""
    return CATALOGUE.get(language, {}).get(code) or CATALOGUE[DEFAULT].get(code) or code


def has(code: str) -> bool:
    """Whether the catalogue words ``code`` (in zh-CN, the language every entry has)."""
    return code in CATALOGUE[DEFAULT]
