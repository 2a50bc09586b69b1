"""Demo rewards, stock at every station, two vouchers of demo worker 13800000001, leaderboard opt-ins."""

from accounts.demo import demo_user
from points.actions import points_add
from points.selectors import points_balance
from rewards.actions import leaderboard_opt_set, rewardstock_adjust, voucher_handover_confirm, voucher_redeem
from rewards.models import Reward, RewardStock, Voucher
from stations.models import Station

# name_zh, name_en, description_zh, description_en, price, stock per station
REWARDS = [
    (
        "驿站咖啡一杯",
        "A coffee at the station",
        "在驿站吧台领取现磨咖啡一杯，冷热可选。",
        "A freshly made coffee, hot or iced.",
        30,
        20,
    ),
    (
        "冰袖",
        "Sun sleeves",
        "防晒冰袖一副，夏天骑车不晒手臂。",
        "A pair of cooling sun sleeves for riding in summer.",
        60,
        10,
    ),
    (
        "手机支架",
        "Phone holder",
        "电动车把手手机支架，导航看得清。",
        "A handlebar phone holder for e-bikes.",
        80,
        8,
    ),
    (
        "雨衣",
        "Raincoat",
        "分体式骑行雨衣一套，梅雨季必备。",
        "A two-piece riding raincoat for the rainy season.",
        150,
        5,
    ),
]

WORKER = "13800000001"
OPTED_IN = ("13800000001", "13800000002", "13800000003")
ADMIN = "13900000000"  # the demo superuser stocks the stations and confirms the demo hand-over


def seed(*, stdout) -> None:
    rewards = []
    for position, (name_zh, name_en, description_zh, description_en, price, _stock) in enumerate(REWARDS):
        reward, _created = Reward.objects.get_or_create(
            name_zh=name_zh,
            defaults={
                "name_en": name_en,
                "description_zh": description_zh,
                "description_en": description_en,
                "price": price,
                "position": position,
            },
        )
        rewards.append(reward)
    for phone in OPTED_IN:
        leaderboard_opt_set(user=demo_user(phone), opted_in=True)
    stations = list(Station.objects.filter(is_active=True).order_by("pk"))
    if not stations:
        stdout.write(f"  rewards: {len(rewards)} rewards; no stations yet, so no stock and no vouchers")
        return
    admin = demo_user(ADMIN)
    for station in stations:
        for reward, spec in zip(rewards, REWARDS, strict=True):
            if not RewardStock.objects.filter(station=station, reward=reward).exists():
                rewardstock_adjust(
                    station=station,
                    reward=reward,
                    change=spec[5],
                    reason="演示数据：首批到货",
                    acting_user=admin,
                )
    worker = demo_user(WORKER)
    if not Voucher.objects.filter(user=worker).exists():
        coffee, sleeves = rewards[0], rewards[1]
        needed = coffee.price + sleeves.price
        balance = points_balance(user=worker)
        if balance < needed:
            points_add(
                user=worker,
                amount=needed - balance + 40,
                reason="adjustment",
                note="演示数据",
                acting_user=admin,
            )
        handed = voucher_redeem(user=worker, reward=sleeves, station=stations[0])
        voucher_handover_confirm(voucher_code=handed.code, station=stations[0], acting_user=admin)
        voucher_redeem(user=worker, reward=coffee, station=stations[0])
    stdout.write(
        f"  rewards: {len(rewards)} rewards stocked at {len(stations)} stations, "
        f"{WORKER} has an open and a collected voucher, {len(OPTED_IN)} workers on the leaderboard"
    )
