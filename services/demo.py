"""Demo directory: the ten friendly scenarios, organisations, services and about forty points (seed_demo)."""

import datetime as dt

from django.contrib.auth.models import Group

from accounts import roles
from accounts.demo import demo_user
from services.models import (
    Organization,
    Scenario,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtPoint,
    ServicePoint,
)

SCENARIOS = [
    # code, icon, zh, en, description zh, description en
    (
        "requests",
        "📣",
        "诉求服务",
        "Requests & complaints",
        "遇到不公平对待、平台纠纷或生活难题，在这里提出诉求，专人跟进答复。",
        "Unfair treatment, platform disputes or everyday trouble: raise it here and a named person follows up.",
    ),
    (
        "delivery",
        "🛵",
        "网约配送",
        "Delivery access",
        "配送导览图、楼宇入口、骑手停车点和小区通行证，让最后一百米不再难。",
        "Guide maps, building entrances, rider parking and entry passes for the last hundred metres.",
    ),
    (
        "legal",
        "⚖️",
        "法律援助",
        "Legal aid",
        "劳动报酬、工伤、交通事故等法律问题，免费咨询和援助。",
        "Free advice and legal aid on pay, injuries at work, traffic accidents and more.",
    ),
    (
        "relief",
        "🤝",
        "帮扶救助",
        "Hardship relief",
        "遇到重大疾病、意外或家庭困难，申请临时救助和帮扶。",
        "Temporary relief and support after serious illness, accidents or family hardship.",
    ),
    (
        "rest",
        "☕",
        "暖心驿站",
        "Rest stations",
        "热饮、饮水、充电、微波炉和歇脚的地方，风雨天也有个落脚处。",
        "Warm drinks, water, charging, a microwave and a seat, in any weather.",
    ),
    (
        "injury",
        "🩹",
        "职业伤害保障",
        "Occupational injury protection",
        "新就业形态人员职业伤害保障的参保、报案和理赔指引。",
        "Joining occupational injury protection, reporting an injury and claiming.",
    ),
    (
        "housing",
        "🏠",
        "安居保障",
        "Housing",
        "小哥公寓、人才租赁住房和押金减免，住得近、住得起。",
        "Worker dormitories, rental housing and deposit help: close to work and affordable.",
    ),
    (
        "health",
        "💚",
        "健康关爱",
        "Health & counselling",
        "免费体检、心理疏导和健康讲座。",
        "Free health checks, counselling and health talks.",
    ),
    (
        "skills",
        "🎓",
        "技能提升",
        "Skills & learning",
        "小哥学院的学历提升和技能培训，边工作边学习。",
        "Degrees and skills training at the Courier Academy, while you work.",
    ),
    (
        "culture",
        "🎵",
        "文体活动",
        "Culture & recreation",
        "技能比武、诗词分享会、球赛和节日活动。",
        "Skill contests, poetry sharing, ball games and festival events.",
    ),
]

ORGANIZATIONS = [
    ("union", "西湖区总工会", "为新就业群体提供权益维护、暖心驿站和文体活动。", "0571-87000001"),
    ("justice", "西湖区司法局法律援助中心", "提供免费法律咨询、法律援助和调解服务。", "0571-12348"),
    ("civil", "西湖区民政局", "负责社会救助、临时救助和困难帮扶。", "0571-87000003"),
    ("hrss", "西湖区人力资源和社会保障局", "职业伤害保障、技能培训和劳动保障监察。", "0571-12333"),
    (
        "party",
        "西湖区新就业群体党建服务中心",
        "统筹十大新友好场景，组织小哥驿站和网格服务。",
        "0571-87000005",
    ),
    ("health", "西湖区卫生健康局", "组织健康体检、心理关爱和健康讲座。", "0571-87000006"),
    ("housing", "西湖区住房保障中心", "小哥公寓和保障性租赁住房。", "0571-87000007"),
]

# scenario, organisation, name, description, for whom, how, cost
SERVICES = [
    (
        "requests",
        "party",
        "小哥诉求直通车",
        "线上线下提出诉求，两个工作日内专人受理并联系你。",
        "辖区内快递员、外卖骑手、网约车司机",
        "在本平台“求助”提交，或到任意小哥驿站登记。",
        "免费",
    ),
    (
        "requests",
        "union",
        "平台纠纷调解",
        "与平台、站点在派单、罚款、结算上的纠纷，工会协调调解。",
        "新就业群体",
        "提交诉求并选择“投诉或诉求”。",
        "免费",
    ),
    (
        "delivery",
        "party",
        "配送导览图",
        "重点商圈、园区和小区的楼栋分布、入口位置和骑手通道。",
        "外卖骑手、快递员",
        "在服务点扫码查看，或到驿站领取纸质图。",
        "免费",
    ),
    (
        "delivery",
        "party",
        "骑手停车点和小区通行证",
        "商圈指定电动车停放点；凭证件办理小区通行证。",
        "外卖骑手、快递员",
        "携带身份证和平台工作证明到服务点办理。",
        "免费",
    ),
    (
        "legal",
        "justice",
        "免费法律咨询",
        "劳动报酬、劳动关系、交通事故、工伤认定等法律问题咨询。",
        "所有新就业群体",
        "到服务点当面咨询，或提交求助等律师回电。",
        "免费",
    ),
    (
        "legal",
        "justice",
        "法律援助申请",
        "符合条件的可获得律师代理诉讼或仲裁。",
        "经济困难或追索劳动报酬的劳动者",
        "携带身份证和相关材料到法律援助中心申请。",
        "免费",
    ),
    (
        "relief",
        "civil",
        "临时救助",
        "因疾病、意外等导致生活暂时困难的，可申请临时救助金。",
        "生活遇到突发困难的新就业群体",
        "提交求助，或到街道社会救助窗口申请。",
        "免费",
    ),
    (
        "relief",
        "union",
        "困难职工帮扶",
        "工会会员遇到困难可申请帮扶慰问和子女助学。",
        "已入会的新就业群体",
        "通过驿站或提交求助申请。",
        "免费",
    ),
    (
        "rest",
        "union",
        "暖心驿站",
        "热水、热饮、手机充电、微波炉热饭、休息座椅和卫生间。",
        "户外劳动者",
        "营业时间内直接进入使用。",
        "免费",
    ),
    (
        "injury",
        "hrss",
        "职业伤害保障咨询",
        "了解参保情况、发生伤害后如何报案、理赔需要哪些材料。",
        "在合作平台接单的新就业形态人员",
        "到服务点咨询或拨打12333。",
        "免费",
    ),
    (
        "housing",
        "housing",
        "小哥公寓",
        "拎包入住的集体宿舍，靠近商圈和园区。",
        "在西湖区工作的新就业群体",
        "提交申请后等待配租通知。",
        "每月600元起，押金可减免",
    ),
    (
        "housing",
        "housing",
        "押金减免",
        "符合条件者租住保障性租赁住房可减免押金。",
        "在西湖区工作满6个月的新就业群体",
        "携带工作证明到住房保障中心申请。",
        "免费",
    ),
    (
        "health",
        "health",
        "免费健康体检",
        "每年一次免费体检，含血常规、心电图和胸片。",
        "辖区新就业群体",
        "到社区卫生服务中心预约。",
        "免费",
    ),
    (
        "health",
        "health",
        "心理疏导",
        "一对一心理咨询，压力大、情绪低落时有人聊。",
        "所有新就业群体",
        "到服务点预约或电话预约。",
        "免费",
    ),
    (
        "skills",
        "hrss",
        "小哥学院学历提升",
        "与开放大学合作的专科、本科学历教育，学费可申请资助。",
        "新就业群体",
        "在本平台“学习”中报名。",
        "学费最高资助10,000元",
    ),
    (
        "skills",
        "hrss",
        "技能培训",
        "电动车维修、急救、沟通技巧等短期培训。",
        "新就业群体",
        "关注驿站通知报名。",
        "免费",
    ),
    (
        "culture",
        "union",
        "技能比武",
        "配送技能、安全驾驶比赛，优胜者有奖励。",
        "新就业群体",
        "到驿站报名。",
        "免费",
    ),
    (
        "culture",
        "union",
        "诗词分享会",
        "每月一次，分享你写的诗，也听听别人的故事。",
        "所有人",
        "直接参加。",
        "免费",
    ),
]

DAILY = [(d, "08:00", "20:00") for d in range(7)]
WEEKDAYS = [(d, "09:00", "17:30") for d in range(5)]
ALL_DAY = [(d, "00:00", "00:00") for d in range(7)]
LATE = [(d, "10:00", "02:00") for d in range(7)]  # open past midnight

# name, organisation, address, street, lat, lng, phone, amenities, hours, scenarios
POINTS = [
    (
        "西溪天街暖心驿站",
        "union",
        "五常大道与文一西路交叉口西溪天街B1层",
        "jiangcun",
        30.2831,
        120.0948,
        "0571-88110001",
        ["warm_drinks", "water", "charging", "microwave", "rest", "toilet", "wifi"],
        LATE,
        ["rest", "delivery", "requests"],
    ),
    (
        "蒋村花园小哥驿站",
        "union",
        "蒋村商务中心一层",
        "jiangcun",
        30.2795,
        120.0991,
        "0571-88110002",
        ["water", "charging", "rest", "umbrella"],
        DAILY,
        ["rest", "requests"],
    ),
    (
        "龙湖天街骑手停车点",
        "party",
        "西溪龙湖天街北门",
        "jiangcun",
        30.2840,
        120.0935,
        "",
        ["parking", "charging"],
        ALL_DAY,
        ["delivery"],
    ),
    (
        "西溪湿地东门驿站",
        "union",
        "天目山路518号西溪湿地东门",
        "xixi",
        30.2722,
        120.0633,
        "0571-88110004",
        ["water", "warm_drinks", "rest", "toilet"],
        DAILY,
        ["rest"],
    ),
    (
        "西溪街道党群服务中心",
        "party",
        "西溪路388号",
        "xixi",
        30.2745,
        120.1280,
        "0571-88110005",
        ["water", "charging", "rest", "wifi"],
        WEEKDAYS,
        ["requests", "legal", "relief"],
    ),
    (
        "紫金港科技城驿站",
        "union",
        "紫金港路与余杭塘路口",
        "sandun",
        30.3001,
        120.0849,
        "0571-88110006",
        ["warm_drinks", "water", "charging", "microwave", "rest", "repair"],
        DAILY,
        ["rest"],
    ),
    (
        "浙大紫金港西门骑手通道",
        "party",
        "余杭塘路866号西门",
        "sandun",
        30.3060,
        120.0790,
        "",
        ["parking"],
        ALL_DAY,
        ["delivery"],
    ),
    (
        "翠苑小哥驿站",
        "union",
        "文三路翠苑一区门口",
        "cuiyuan",
        30.2898,
        120.1302,
        "0571-88110008",
        ["water", "warm_drinks", "charging", "microwave", "rest", "first_aid"],
        DAILY,
        ["rest", "requests"],
    ),
    (
        "翠苑街道法律服务站",
        "justice",
        "翠苑街道办事处二楼",
        "cuiyuan",
        30.2910,
        120.1275,
        "0571-88110009",
        ["water", "rest"],
        WEEKDAYS,
        ["legal"],
    ),
    (
        "古荡新村暖心驿站",
        "union",
        "古墩路古荡新村北门",
        "gudang",
        30.2852,
        120.1180,
        "0571-88110010",
        ["water", "charging", "rest"],
        DAILY,
        ["rest"],
    ),
    (
        "黄龙商圈骑手停车点",
        "party",
        "曙光路黄龙体育中心南侧",
        "xixi",
        30.2700,
        120.1380,
        "",
        ["parking", "charging"],
        ALL_DAY,
        ["delivery"],
    ),
    (
        "之江文化中心驿站",
        "union",
        "之江路之江文化中心东侧",
        "zhuantang",
        30.1603,
        120.1051,
        "0571-88110012",
        ["warm_drinks", "water", "charging", "rest", "toilet"],
        DAILY,
        ["rest", "culture"],
    ),
    (
        "转塘街道社会救助窗口",
        "civil",
        "转塘街道办事处一楼",
        "zhuantang",
        30.1575,
        120.1020,
        "0571-88110013",
        ["water", "rest"],
        WEEKDAYS,
        ["relief"],
    ),
    (
        "留下小和山驿站",
        "union",
        "留和路与小和山路口",
        "liuxia",
        30.2502,
        120.0601,
        "0571-88110014",
        ["water", "charging", "rest", "repair"],
        DAILY,
        ["rest"],
    ),
    (
        "三墩镇小哥之家",
        "union",
        "三墩镇振华路200号",
        "sandun",
        30.3302,
        120.0952,
        "0571-88110015",
        ["warm_drinks", "water", "charging", "microwave", "rest", "toilet", "wifi"],
        LATE,
        ["rest", "culture", "skills"],
    ),
    (
        "北山街湖滨驿站",
        "union",
        "北山街84号",
        "beishan",
        30.2590,
        120.1430,
        "0571-88110016",
        ["water", "rest", "toilet", "umbrella"],
        DAILY,
        ["rest"],
    ),
    (
        "西湖区法律援助中心",
        "justice",
        "文二西路300号",
        "wenxin",
        30.2835,
        120.1090,
        "0571-12348",
        ["water", "rest"],
        WEEKDAYS,
        ["legal", "requests"],
    ),
    (
        "西湖区社会救助服务中心",
        "civil",
        "文二西路302号",
        "wenxin",
        30.2838,
        120.1096,
        "0571-88110018",
        ["water", "rest"],
        WEEKDAYS,
        ["relief"],
    ),
    (
        "职业伤害保障服务点（文新）",
        "hrss",
        "文新街道社保所",
        "wenxin",
        30.2880,
        120.1070,
        "0571-12333",
        ["water"],
        WEEKDAYS,
        ["injury"],
    ),
    (
        "职业伤害保障服务点（蒋村）",
        "hrss",
        "蒋村街道社保所",
        "jiangcun",
        30.2810,
        120.0960,
        "0571-12333",
        ["water"],
        WEEKDAYS,
        ["injury"],
    ),
    (
        "小哥公寓（蒋村）",
        "housing",
        "蒋村商苑18幢",
        "jiangcun",
        30.2785,
        120.0900,
        "0571-88110021",
        ["wifi", "toilet", "charging"],
        WEEKDAYS,
        ["housing"],
    ),
    (
        "小哥公寓（三墩）",
        "housing",
        "三墩镇厚仁路88号",
        "sandun",
        30.3280,
        120.0990,
        "0571-88110022",
        ["wifi", "toilet", "charging"],
        WEEKDAYS,
        ["housing"],
    ),
    (
        "西湖区住房保障中心",
        "housing",
        "保俶路99号",
        "beishan",
        30.2680,
        120.1450,
        "0571-88110023",
        ["water"],
        WEEKDAYS,
        ["housing"],
    ),
    (
        "翠苑社区卫生服务中心",
        "health",
        "学院路翠苑三区",
        "cuiyuan",
        30.2920,
        120.1320,
        "0571-88110024",
        ["water", "rest", "toilet", "first_aid"],
        WEEKDAYS,
        ["health"],
    ),
    (
        "蒋村社区卫生服务中心",
        "health",
        "蒋村街道晴川街",
        "jiangcun",
        30.2760,
        120.0970,
        "0571-88110025",
        ["water", "rest", "toilet", "first_aid"],
        WEEKDAYS,
        ["health"],
    ),
    (
        "心灵驿站（古荡）",
        "health",
        "古荡街道文化家园三楼",
        "gudang",
        30.2870,
        120.1160,
        "0571-88110026",
        ["water", "rest"],
        WEEKDAYS,
        ["health"],
    ),
    (
        "小哥学院西溪教学点",
        "hrss",
        "西溪路525号浙大科技园",
        "xixi",
        30.2710,
        120.1160,
        "0571-88110027",
        ["water", "wifi", "charging", "rest"],
        WEEKDAYS,
        ["skills"],
    ),
    (
        "小哥学院之江教学点",
        "hrss",
        "之江路浙江开放大学之江校区",
        "zhuantang",
        30.1650,
        120.1130,
        "0571-88110028",
        ["water", "wifi", "rest"],
        WEEKDAYS,
        ["skills"],
    ),
    (
        "西湖文化广场活动室",
        "union",
        "灵隐街道文化站",
        "lingyin",
        30.2420,
        120.1200,
        "0571-88110029",
        ["water", "rest", "toilet"],
        DAILY,
        ["culture"],
    ),
    (
        "灵隐路暖心驿站",
        "union",
        "灵隐路与玉古路口",
        "lingyin",
        30.2440,
        120.1270,
        "0571-88110030",
        ["water", "warm_drinks", "charging", "rest"],
        DAILY,
        ["rest"],
    ),
    (
        "西湖街道龙井路驿站",
        "union",
        "龙井路1号",
        "xihu",
        30.2300,
        120.1250,
        "0571-88110031",
        ["water", "charging", "rest", "toilet"],
        DAILY,
        ["rest"],
    ),
    (
        "文新街道诉求服务站",
        "party",
        "文新街道办事处一楼",
        "wenxin",
        30.2895,
        120.1060,
        "0571-88110032",
        ["water", "rest"],
        WEEKDAYS,
        ["requests"],
    ),
    (
        "西城广场配送导览点",
        "party",
        "文二西路西城广场入口",
        "wenxin",
        30.2860,
        120.0990,
        "",
        ["parking"],
        ALL_DAY,
        ["delivery"],
    ),
    (
        "紫金港园区入口通行证办理点",
        "party",
        "西园八路园区服务中心",
        "sandun",
        30.3050,
        120.0880,
        "0571-88110034",
        ["water"],
        WEEKDAYS,
        ["delivery"],
    ),
    (
        "双浦镇小哥驿站",
        "union",
        "双浦镇袁浦路",
        "shuangpu",
        30.1700,
        120.0600,
        "0571-88110035",
        ["water", "charging", "rest", "microwave"],
        DAILY,
        ["rest"],
    ),
    (
        "古荡湾24小时驿站",
        "union",
        "古墩路与天目山路口",
        "gudang",
        30.2790,
        120.1150,
        "0571-88110036",
        ["water", "charging", "rest", "toilet"],
        ALL_DAY,
        ["rest"],
    ),
    (
        "文三路数码街驿站",
        "union",
        "文三路与学院路口",
        "cuiyuan",
        30.2800,
        120.1330,
        "0571-88110037",
        ["water", "warm_drinks", "charging", "wifi"],
        DAILY,
        ["rest"],
    ),
    (
        "北山街道党群服务中心",
        "party",
        "北山路50号",
        "beishan",
        30.2610,
        120.1480,
        "0571-88110038",
        ["water", "rest", "wifi"],
        WEEKDAYS,
        ["requests", "relief"],
    ),
    (
        "三墩镇法律服务站",
        "justice",
        "三墩镇政府一楼",
        "sandun",
        30.3250,
        120.0930,
        "0571-88110039",
        ["water"],
        WEEKDAYS,
        ["legal"],
    ),
    (
        "留下街道健康小屋",
        "health",
        "留下街道留祥路",
        "liuxia",
        30.2530,
        120.0640,
        "0571-88110040",
        ["water", "first_aid"],
        WEEKDAYS,
        ["health"],
    ),
]

SERVICE_STAFF_PHONE = "13900000003"


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def seed(*, stdout) -> None:
    staff = demo_user(SERVICE_STAFF_PHONE, "周服务")
    if not staff.is_staff:
        staff.is_staff = True
        staff.save(update_fields=["is_staff"])
    staff.groups.add(*Group.objects.filter(name=roles.SERVICE_STAFF))

    scenarios = {}
    for order, (code, icon, zh, en, desc_zh, desc_en) in enumerate(SCENARIOS, start=1):
        scenarios[code], _ = Scenario.objects.get_or_create(
            code=code,
            defaults={
                "order": order,
                "icon": icon,
                "name_zh": zh,
                "name_en": en,
                "description_zh": desc_zh,
                "description_en": desc_en,
            },
        )
    orgs = {}
    for key, name, description, phone in ORGANIZATIONS:
        orgs[key], _ = Organization.objects.get_or_create(
            name=name, defaults={"description": description, "phone": phone}
        )
    services_by_scenario: dict[str, list[Service]] = {}
    for scenario, org, name, description, eligibility, how, cost in SERVICES:
        service, _ = Service.objects.get_or_create(
            name=name,
            organization=orgs[org],
            defaults={
                "scenario": scenarios[scenario],
                "description": description,
                "eligibility": eligibility,
                "how_to_get": how,
                "cost": cost,
            },
        )
        services_by_scenario.setdefault(scenario, []).append(service)
    created = 0
    for name, org, address, street, lat, lng, phone, amenities, hours, point_scenarios in POINTS:
        point, is_new = ServicePoint.objects.get_or_create(
            name=name,
            defaults={
                "organization": orgs[org],
                "address": address,
                "street": street,
                "latitude": lat,
                "longitude": lng,
                "phone": phone,
                "amenities": amenities,
            },
        )
        if not is_new:
            continue
        created += 1
        Schedule.objects.bulk_create(
            Schedule(point=point, weekday=d, opens_at=_time(o), closes_at=_time(c)) for d, o, c in hours
        )
        if hours is not ALL_DAY:
            # National Day and Spring Festival closures, so the dated exceptions show.
            for day, note in ((dt.date(2026, 10, 1), "国庆节"), (dt.date(2027, 2, 6), "春节")):
                ScheduleException.objects.create(point=point, date=day, closed=True, note=note)
        for scenario in point_scenarios:
            for service in services_by_scenario.get(scenario, []):
                ServiceAtPoint.objects.get_or_create(service=service, point=point)
    requests = _seed_requests(staff, services_by_scenario)
    stdout.write(
        f"  services: {len(scenarios)} scenarios, {len(SERVICES)} services, {created} new points; "
        f"{requests} new service requests "
        f"({ServicePoint.objects.count()} in all); service staff {SERVICE_STAFF_PHONE}"
    )


# Service requests of the demo workers, so the dashboard's services panel has numbers of five
# and more (aggregates under five show as "<5"): handled, resolved and rated through the actions.
DEMO_REQUESTS = [
    ("13800000001", "legal", "站点两个月没发工资了，想咨询怎么讨薪。", 5),
    ("13800000002", "legal", "配送途中被车蹭了，平台不认工伤，想问怎么办。", 4),
    ("13800000003", "legal", "劳动合同到期不续签，押金一直不退。", 5),
    ("13800000001", "legal", "想了解灵活就业人员怎么交社保。", 4),
    ("13800000002", "legal", "被罚款没有说明理由，想申诉。", 5),
    ("13800000003", "relief", "家里老人住院，想申请临时救助。", 0),
]


def _seed_requests(staff, services_by_scenario: dict[str, list[Service]]) -> int:
    from services.actions import (
        service_request_assign,
        service_request_create,
        service_request_rate,
        service_request_resolve,
        service_request_start,
    )
    from services.models import ServiceRequest

    if ServiceRequest.objects.filter(worker__phone__in=[f"+86{p}" for p, *_ in DEMO_REQUESTS]).exists():
        return 0
    legal = next(iter(services_by_scenario.get("legal", [])), None)
    for phone, kind, description, rating in DEMO_REQUESTS:
        worker = demo_user(phone)
        request = service_request_create(
            worker=worker, kind=kind, description=description, service=legal if kind == "legal" else None
        )
        if not rating:
            continue
        service_request_assign(request_id=request.pk, acting_user=staff)
        service_request_start(request_id=request.pk, acting_user=staff)
        service_request_resolve(
            request_id=request.pk, acting_user=staff, reply="已联系你，详见电话沟通记录。"
        )
        service_request_rate(request_id=request.pk, worker=worker, rating=rating)
    return len(DEMO_REQUESTS)
