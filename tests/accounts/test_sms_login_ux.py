"""The SMS login pages as a worker meets them on a phone (issue 19, item 4)."""

import re
import time

import pytest
from django.urls import reverse

from tests.accounts.sms import last_code, texts_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
SIGNUP = reverse("account_signup")
VERIFY = reverse("account_verify_phone")
CODE_INPUT = (
    '<input type="text" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]*" '
    'maxlength="6" required id="id_code">'
)
RESEND_BUTTON = (
    '<button class="button" type="submit" data-resend-wait="{wait}" data-label="重新获取验证码" '
    'data-label-waiting="重新获取验证码（{{seconds}} 秒）">重新获取验证码</button>'
)
NOT_SENT = "没有发送新的验证码：每个号码、每个网络的验证码都有限额，请几分钟后再试。"


def main(response) -> str:
    html = response.content.decode()
    main = html[html.index('<main id="main"') : html.index("</main>")]
    # The offline-copy banner is in every page, hidden until the service worker serves a kept copy.
    return re.sub(r'<div class="offline-banner" hidden.*?</div>', "", main, flags=re.S)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def later(monkeypatch):
    """Move the clock on (the SMS budget and allauth's stages both read time.time)."""
    real = time.time

    def move(seconds: float) -> None:
        monkeypatch.setattr(time, "time", lambda: real() + seconds)

    return move


def test_the_welcome_message_names_a_worker_without_a_name_by_the_number(client):
    # Was: "以 (no name yet) 138 0000 5678 成功登录。"
    user = UserFactory(phone="+8613800005678", real_name="")
    client.post(REQUEST_CODE, {"phone": "138 0000 5678"})
    response = client.post(CONFIRM_CODE, {"code": last_code(user.phone)}, follow=True)
    assert page_messages(response) == ["欢迎，138 0000 5678，你已登录。"]


def test_the_welcome_message_uses_the_real_name(client):
    user = UserFactory(phone="+8613800005678", real_name="赵小明")
    client.post(REQUEST_CODE, {"phone": "138 0000 5678"})
    response = client.post(CONFIRM_CODE, {"code": last_code(user.phone)}, follow=True)
    assert page_messages(response) == ["欢迎，赵小明，你已登录。"]


def test_a_user_without_a_name_reads_in_chinese():
    assert str(UserFactory.build(phone="+8613800005678", real_name="")) == "（未填姓名） 138 0000 5678"


def test_the_request_page_offers_sign_up_not_a_password(client):
    page = main(client.get(REQUEST_CODE))
    assert reverse("account_login") + '"' not in page
    assert "用密码登录" not in page
    assert text_of(page) == (
        "用短信验证码登录 我们会给你的手机发一条6位数字验证码，不用密码就能登录。 "
        "手机号码 获取验证码 还没有账号？ 用手机号码注册"
    )


def test_the_code_page_shows_the_number_once_with_a_number_pad_and_a_resend_countdown(client):
    UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "138 0000 5678"})
    page = main(client.get(CONFIRM_CODE))
    assert text_of(page) == (
        "输入短信验证码 如果该号码可以登录，验证码已发送到 138 0000 5678，5分钟内有效，请尽快输入。 "
        "验证码 确认 没收到短信？60 秒后可以重新获取验证码。 重新获取验证码 取消"
    )
    assert "+86" not in page
    assert CODE_INPUT in page
    assert RESEND_BUTTON.format(wait=60) in page
    # 取消 goes back to asking for a code, not to the password page.
    assert f'<input type="hidden" name="next" value="{REQUEST_CODE}">' in page


def test_cancel_lands_on_the_code_request_page_and_asking_again_is_not_too_many_attempts(client, later):
    UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "138 0000 5678"})
    response = client.post(reverse("account_logout"), {"next": REQUEST_CODE}, follow=True)
    assert response.redirect_chain == [(REQUEST_CODE, 302)]
    # Straight away: the wait is said, not "尝试次数过多".
    response = client.post(REQUEST_CODE, {"phone": "138 0000 5678"})
    assert "尝试次数过多" not in response.content.decode()
    assert response.context["form"].errors == {
        "phone": ["这个号码或当前网络暂时不能再发送验证码，请 1 分钟后再试。这次没有发送短信。"]
    }
    # A minute later the second request goes through.
    later(61)
    response = client.post(REQUEST_CODE, {"phone": "138 0000 5678"}, follow=True)
    assert response.redirect_chain == [(CONFIRM_CODE, 302)]
    assert page_messages(response) == []


def test_resend_before_the_wait_sends_nothing_and_says_so(client):
    # Without JavaScript the button is always there; pressed early, nothing is sent.
    user = UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "138 0000 5678"})
    first = last_code(user.phone)
    response = client.post(CONFIRM_CODE, {"action": "resend"}, follow=True)
    assert response.redirect_chain == [(CONFIRM_CODE, 302)]
    assert page_messages(response) == [NOT_SENT]
    assert len(texts_to(user.phone)) == 1
    assert client.post(CONFIRM_CODE, {"code": first})["Location"] == reverse("home")


def test_resend_after_the_wait_sends_a_new_code_that_logs_in(client, later):
    user = UserFactory(phone="+8613800005678")
    client.post(REQUEST_CODE, {"phone": "138 0000 5678"})
    later(61)
    assert RESEND_BUTTON.format(wait=0) in main(client.get(CONFIRM_CODE))
    response = client.post(CONFIRM_CODE, {"action": "resend"}, follow=True)
    assert response.redirect_chain == [(CONFIRM_CODE, 302)]
    assert len(texts_to(user.phone)) == 2
    assert RESEND_BUTTON.format(wait=60) in main(response)
    assert client.post(CONFIRM_CODE, {"code": last_code(user.phone)})["Location"] == reverse("home")


def test_the_sign_up_code_page_cancels_back_to_sign_up(client):
    client.post(SIGNUP, {"phone": "138 0000 1234"})
    page = main(client.get(VERIFY))
    assert "138 0000 1234" in page
    assert "+86" not in page
    assert CODE_INPUT in page
    assert f'<input type="hidden" name="next" value="{SIGNUP}">' in page
