import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import Report
from tests.governance.factories import category, clean_photo, photo_upload
from tests.voice.factories import confirmed_request, post_request
from voice import actions
from voice.models import HelpDeed, HelpRecipient, HelpRequest, Opinion

pytestmark = pytest.mark.django_db

NOT_MEMBER = "只有正式任命的网格员才能这样做。请联系你所在社区的网格管理员任命你。"
KEPT = "请修改下面标红的内容，其他已填写的内容都还在。"


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def login(client, user):
    client.force_login(user)
    return client


def deed_form(**overrides):
    data = {"kind": "escort", "note": "送迷路的老人回家", "address": "文一西路", "lat": "30.2831", "lng": "120.0951",
            "client_uuid": str(uuid.uuid4())}  # fmt: skip
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- the grid page ------------------------------------------------------------------------------


def test_the_grid_page_shows_the_open_requests_of_my_grid(member_client, grid, other_grid, grid_admin):
    mine = post_request(grid=grid, by=grid_admin, what="帮独居老人搬米上楼")
    elsewhere = post_request(grid=other_grid, by=grid_admin, what="别的网格的求助")
    page = member_client.get(reverse("governance:index")).content.decode()
    assert f'<a href="/grid/voice/requests/{mine.pk}/">#{mine.pk} 帮独居老人搬米上楼</a>' in page
    assert "别的网格的求助" not in page and f"/requests/{elsewhere.pk}/" not in page
    assert 'href="/grid/voice/"' in page
    assert "王阿姨" not in page


@pytest.mark.parametrize("count", [1, 4])
def test_the_grid_page_queries_do_not_grow(member_client, grid, grid_admin, django_assert_num_queries, count):
    for _ in range(count):
        post_request(grid=grid, by=grid_admin)
    # session, user, balance, membership check, memberships, open report count, inbox count of the top bar,
    # open requests, requests taken, the month (one query)
    with django_assert_num_queries(10):
        member_client.get(reverse("governance:index"))


def test_others_are_told_how_to_become_a_member(client, outsider):
    login(client, outsider)
    for name in ("voice:index", "voice:deed_new", "voice:opinion_new"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "只有正式任命的网格员才能记录随手帮和反映民意。" in response.content.decode()
    response = client.post(reverse("voice:deed_new"), deed_form(), HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()) == (403, {"message": NOT_MEMBER})
    assert not HelpDeed.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("voice:index"))
    assert response.status_code == 302 and "/login" in response["Location"]


# --- help given ------------------------------------------------------------------------------------


def test_recording_help_with_a_photo(member_client, member):
    response = member_client.post(reverse("voice:deed_new"), deed_form(photo=photo_upload()))
    deed = HelpDeed.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/grid/voice/help/{deed.pk}/"
    assert (deed.worker, deed.kind, deed.note, str(deed.lat)) == (
        member,
        "escort",
        "送迷路的老人回家",
        "30.283100",
    )
    assert member_client.get(reverse("voice:deed_photo", args=[deed.pk])).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"note": "   "}, "note", "请用几句话写下你做了什么。"),
        ({"kind": None}, "kind", "请选择你提供了哪种帮助。"),
        ({"kind": "flying"}, "kind", "请选择你提供了哪种帮助。"),
        ({"lat": "north"}, "address", "无法读取位置。请重新获取位置，或不填位置。"),
        (
            {"photo": photo_upload(b"not a picture", name="x.jpg")},
            "photo",
            "无法识别这个文件，请上传 JPEG、PNG 或 WebP 格式的照片。",
        ),
    ],
)
def test_bad_help_is_refused_with_a_message_and_the_text_kept(member_client, overrides, field, message):
    response = member_client.post(reverse("voice:deed_new"), deed_form(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    page = response.content.decode()
    assert KEPT in page
    if overrides.get("note") is None:
        assert "送迷路的老人回家" in page
    assert not HelpDeed.objects.exists()


def test_a_retried_upload_is_filed_once(member_client):
    data = deed_form()
    first = member_client.post(reverse("voice:deed_new"), data, HTTP_ACCEPT="application/json")
    again = member_client.post(reverse("voice:deed_new"), data, HTTP_ACCEPT="application/json")
    deed = HelpDeed.objects.get()
    assert (first.status_code, again.status_code) == (201, 200)
    assert (
        first.json()
        == again.json()
        == {
            "id": deed.pk,
            "url": f"/grid/voice/help/{deed.pk}/",
            "sent": f"随手帮 #{deed.pk} 已发送",
        }
    )


def test_json_bad_input_answers_with_the_errors(member_client):
    response = member_client.post(
        reverse("voice:deed_new"), deed_form(note=""), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "请修改标出的内容。",
        "errors": {"note": [{"message": "请用几句话写下你做了什么。", "code": "required"}]},
    }


def test_help_and_its_photo_are_only_the_members_and_the_grid_admins(
    client, member, other_member, grid_admin, checker
):
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家", photo=clean_photo())
    login(client, other_member)
    assert client.get(reverse("voice:deed_detail", args=[deed.pk])).status_code == 404
    assert client.get(reverse("voice:deed_photo", args=[deed.pk])).status_code == 404
    login(client, checker)
    assert client.get(reverse("voice:deed_photo", args=[deed.pk])).status_code == 404
    login(client, grid_admin)
    assert client.get(reverse("voice:deed_photo", args=[deed.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("voice:deed_photo", args=[deed.pk])).status_code == 404


@pytest.mark.parametrize("count", [1, 5])
def test_my_help_list_queries_do_not_grow(member_client, member, django_assert_num_queries, count):
    for number in range(count):
        actions.deed_record(worker=member, kind="other", note=f"帮忙{number}")
    # session, user, count, rows, inbox count of the top bar
    with django_assert_num_queries(5):
        response = member_client.get(reverse("voice:deed_list"))
    assert response.content.decode().count('href="/grid/voice/help/') == count


# --- help requests ------------------------------------------------------------------------------------


def test_take_then_see_the_details_then_mark_done_erases_them(member_client, member, grid, grid_admin):
    help_request = post_request(grid=grid, by=grid_admin)
    detail = reverse("voice:request_detail", args=[help_request.pk])
    before = member_client.get(detail).content.decode()
    assert "王阿姨" not in before and "我来帮" in before
    response = member_client.post(reverse("voice:request_take", args=[help_request.pk]))
    assert response.status_code == 302 and response["Location"] == detail
    taken = member_client.get(detail).content.decode()
    assert "<dt>姓名</dt><dd>王阿姨</dd>" in taken
    assert "<dt>地址</dt><dd>文鼎苑3幢2单元501</dd>" in taken
    empty = member_client.post(reverse("voice:request_done", args=[help_request.pk]), {"note": " "})
    assert empty.status_code == 400
    assert empty.context["done_form"].errors["note"] == ["请用几句话写下你做了什么。"]
    assert "王阿姨" in empty.content.decode()
    done = member_client.post(reverse("voice:request_done", args=[help_request.pk]), {"note": "已送到五楼"})
    assert done.status_code == 302
    after = member_client.get(detail).content.decode()
    assert "王阿姨" not in after and "已送到五楼" in after
    assert not HelpRecipient.objects.exists()


def test_a_request_taken_by_someone_else_is_neither_shown_nor_taken(
    client, member, other_member, grid, grid_admin
):
    help_request = post_request(grid=grid, by=grid_admin)
    actions.request_take(request_id=help_request.pk, user=member)
    login(client, other_member)
    assert client.get(reverse("voice:request_detail", args=[help_request.pk])).status_code == 404
    response = client.post(reverse("voice:request_take", args=[help_request.pk]), follow=True)
    assert "抱歉，这条求助刚刚已被其他网格员接下。" in response.content.decode()
    assert (
        client.post(reverse("voice:request_done", args=[help_request.pk]), {"note": "我做的"}).status_code
        == 404
    )
    help_request.refresh_from_db()
    assert (help_request.status, help_request.taken_by) == ("taken", member)


@pytest.mark.parametrize("who", ["far_member", "outsider", "grid_admin"])
def test_a_request_of_another_grid_is_not_shown(client, grid, grid_admin, request, who):
    help_request = post_request(grid=grid, by=grid_admin)
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("voice:request_detail", args=[help_request.pk])).status_code == 404
    client.post(reverse("voice:request_take", args=[help_request.pk]))
    help_request.refresh_from_db()
    assert help_request.status == "open"


def test_taking_a_request_that_does_not_exist_is_404(member_client):
    assert member_client.post(reverse("voice:request_take", args=[999999])).status_code == 404


def test_take_answers_only_post(member_client, grid, grid_admin):
    help_request = post_request(grid=grid, by=grid_admin)
    assert member_client.get(reverse("voice:request_take", args=[help_request.pk])).status_code == 405
    assert HelpRequest.objects.get().status == "open"


# --- opinions -----------------------------------------------------------------------------------------


def test_passing_on_an_opinion_and_seeing_the_answer(member_client, member, grid_admin):
    response = member_client.post(
        reverse("voice:opinion_new"),
        {"text": "东门没有骑手停车位", "topic": "traffic", "client_uuid": str(uuid.uuid4())},
    )
    opinion = Opinion.objects.get()
    assert response["Location"] == f"/grid/voice/say/{opinion.pk}/"
    actions.opinion_route(
        opinion_id=opinion.pk,
        acting_user=grid_admin,
        summary="缺停车位",
        department="街道城管科",
        tags="停车",
    )
    actions.opinion_answer(
        opinion_id=opinion.pk, acting_user=grid_admin, answer="已划设停车区。", adopted=True
    )
    page = member_client.get(response["Location"]).content.decode()
    for fact in ("<dt>状态</dt><dd>已采纳</dd>", "<dt>话题</dt><dd>交通出行</dd>", "<dt>摘要</dt><dd>缺停车位</dd>",
                 "<dt>标签</dt><dd>停车</dd>", "<dt>转交给</dt><dd>街道城管科</dd>", "<dt>答复</dt><dd>已划设停车区。</dd>"):  # fmt: skip
        assert fact in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": "  "}, "text", "请录音或写下大家说了什么。"),
        ({"text": "有话说", "topic": "weather"}, "topic", "“weather”不在可选项中，请从列表中选择。"),
        ({"text": "x" * 2001}, "text", "最多填写 2000 个字（现在是 2001 个字），请删减一些。"),
    ],
)
def test_bad_opinions_are_refused(member_client, data, field, message):
    response = member_client.post(reverse("voice:opinion_new"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert not Opinion.objects.exists()


def test_an_opinion_is_only_its_members(client, member, other_member):
    opinion, _ = actions.opinion_submit(worker=member, text="有话说")
    login(client, other_member)
    assert client.get(reverse("voice:opinion_detail", args=[opinion.pk])).status_code == 404


@pytest.mark.parametrize("count", [1, 5])
def test_my_opinions_list_queries_do_not_grow(member_client, member, django_assert_num_queries, count):
    for number in range(count):
        actions.opinion_submit(worker=member, text=f"有话说{number}")
    # session, user, count, rows, inbox count of the top bar
    with django_assert_num_queries(5):
        member_client.get(reverse("voice:opinion_list"))


# --- the points page -------------------------------------------------------------------------------------


def test_points_lines_lead_to_the_help_and_the_opinion(member_client, member, grid, grid_admin):
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家")
    actions.deed_verify(deed_id=deed.pk, acting_user=grid_admin)
    help_request = confirmed_request(grid=grid, by=grid_admin, member=member)
    opinion, _ = actions.opinion_submit(worker=member, text="有话说")
    actions.opinion_route(opinion_id=opinion.pk, acting_user=grid_admin, summary="摘要", department="社区")
    actions.opinion_answer(opinion_id=opinion.pk, acting_user=grid_admin, answer="采纳", adopted=True)
    page = member_client.get(reverse("governance:points")).content.decode()
    assert '<p class="balance-value" id="points-balance">25</p>' in page
    assert f'<a href="/grid/voice/help/{deed.pk}/">随手帮被核实</a>' in page
    assert f'<a href="/grid/voice/requests/{help_request.pk}/">求助完成并确认</a>' in page
    assert f'<a href="/grid/voice/say/{opinion.pk}/">随口说被采纳</a>' in page
    # The request's page still opens for the member who did it, without the erased details.
    detail = member_client.get(f"/grid/voice/requests/{help_request.pk}/")
    assert detail.status_code == 200 and "王阿姨" not in detail.content.decode()


def test_the_voice_page_shows_my_month(member_client, member, grid_admin):
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家")
    actions.deed_verify(deed_id=deed.pk, acting_user=grid_admin)
    actions.deed_record(worker=member, kind="other", note="扶起单车")
    opinion, _ = actions.opinion_submit(worker=member, text="有话说")
    actions.opinion_route(opinion_id=opinion.pk, acting_user=grid_admin, summary="摘要", department="社区")
    actions.opinion_answer(opinion_id=opinion.pk, acting_user=grid_admin, answer="采纳", adopted=True)
    page = member_client.get(reverse("voice:index")).content.decode()
    for fact in ("<dt>提交的随手报</dt><dd>0</dd>", "<dt>记录的随手帮</dt><dd>2</dd>", "<dt>核实的随手帮</dt><dd>1</dd>", "<dt>完成并确认的求助</dt><dd>0</dd>",
                 "<dt>反映的民意</dt><dd>1</dd>", "<dt>被采纳的民意</dt><dd>1</dd>"):  # fmt: skip
        assert fact in page


@pytest.mark.parametrize("count", [1, 4])
def test_the_voice_page_queries_do_not_grow(
    member_client, grid, grid_admin, django_assert_num_queries, count
):
    for _ in range(count):
        post_request(grid=grid, by=grid_admin)
    # session, user, membership check, open requests, requests taken, the month (one query), inbox count
    with django_assert_num_queries(7):
        member_client.get(reverse("voice:index"))


def test_the_grid_page_shows_the_month_of_reports_help_and_opinions(
    member_client, member, other_member, grid, grid_admin
):
    """The grid member's monthly summary: 随手报, 随手帮 and 随口说 of this month, nobody else's, none older."""
    road = category("road")

    def report(by, status=Report.Status.SUBMITTED, days_ago=0):
        moment = timezone.now() - timedelta(days=days_ago)
        return Report.objects.create(
            reporter=by, category=road, grid=grid, department="城管", status=status, created_at=moment,
            due_at=moment + timedelta(days=3),
        )  # fmt: skip

    report(member, Report.Status.RESOLVED)
    report(member)
    report(member)
    report(member, days_ago=40)
    report(other_member)
    old, _ = actions.deed_record(worker=member, kind="other", note="上个月的")
    HelpDeed.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    deed, _ = actions.deed_record(worker=member, kind="escort", note="送老人回家")
    actions.deed_verify(deed_id=deed.pk, acting_user=grid_admin)
    confirmed_request(grid=grid, by=grid_admin, member=member)
    for text in ("有话说", "还有话说"):
        actions.opinion_submit(worker=member, text=text)
    actions.opinion_submit(worker=other_member, text="别人的")
    page = member_client.get(reverse("governance:index")).content.decode()
    month = page[page.index('<section class="card month-summary">') :]
    month = month[: month.index("</section>")]
    assert [fact.strip() for fact in month.split("<dt>")[1:]] == [
        "提交的随手报</dt><dd>3</dd>",
        "办结的随手报</dt><dd>1</dd>",
        "记录的随手帮</dt><dd>1</dd>",
        "核实的随手帮</dt><dd>1</dd>",
        "完成并确认的求助</dt><dd>1</dd>",
        "反映的民意</dt><dd>2</dd>",
        "被采纳的民意</dt><dd>0</dd>\n  </dl>",
    ]
