"""Members for the search benchmark: names drawn like a Chinese customer base, loaded by COPY.

Surnames follow a rough frequency (王, 李, 张 and 刘 most common), with the polyphonic and
compound surnames search must read right; a tenth of the names are Latin. Phones are
unique mobile numbers ``13xxxxxxxxx``, cards numbered like registration's. Rows are COPYed
straight into ``customer.members`` and ``member_name_grams``, a chunk at a time: no API, no events.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from services.customer.members.domain import card_number
from services.customer.search.domain import name_grams, surname_initial
from shared.crypto import PiiCipher

SURNAMES = (
    "王" * 7
    + "李" * 7
    + "张" * 7
    + "刘" * 5
    + "陈" * 5
    + "杨" * 3
    + "黄" * 2
    + "赵" * 2
    + "吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    + "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱"
    + "单解仇区朴查盖乐翟覃"
)
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "长孙")
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆"
    "帅旭宁龙林欣怡佳琪晨阳博文轩然子涵雨萱梓睿思彤昊天一诺宸泽瑞雪梅海波建国志斌斯琳嘉"
)
LATIN_FIRST = ("Anna", "David", "Emma", "James", "Lily", "Michael", "Sophie", "Tom", "Zoe")
LATIN_LAST = ("Smith", "Johnson", "Brown", "Lee", "Wong", "Chan", "Garcia", "Muller", "Sato")
COLUMNS = (
    "id", "card_serial", "card_number", "name", "surname_initial", "phone_encrypted",
    "phone_hash", "locale", "consent_sms", "consent_email", "referral_code", "version",
    "locked", "restricted", "status", "created_at", "updated_at",
)  # fmt: skip
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def phone_of(serial: int) -> str:
    """The benchmark's mobile number of member ``serial`` (national form)."""
    return f"13{serial:09d}"


def name_of(rng: random.Random) -> str:
    """A member name: Chinese (surname, one or two given characters) or, one in ten, Latin."""
    roll = rng.random()
    if roll < 0.1:
        return f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"
    surname = rng.choice(COMPOUND) if roll < 0.11 else rng.choice(SURNAMES)
    return surname + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))


def rows(
    cipher: PiiCipher, start: int, count: int, rng: random.Random, prefix: str
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """``count`` member rows from serial ``start`` (phones encrypted as registration does)
    and the rows of their name pieces."""
    members: list[tuple[object, ...]] = []
    grams: list[tuple[object, ...]] = []
    for serial in range(start, start + count):
        name = name_of(rng)
        phone = "+86" + phone_of(serial)
        at = EPOCH + timedelta(seconds=serial * 60)
        member_id = _uuid(rng)
        members.append((
            member_id, serial, card_number(prefix, serial), name, surname_initial(name),
            cipher.encrypt(phone), cipher.lookup_hash(phone), "zh-CN", False, False,
            f"B{serial:011d}", 1, False, False, "active", at, at,
        ))  # fmt: skip
        grams.extend((gram, at, member_id) for gram in name_grams(name))
    return members, grams


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


async def load(
    dsn: str, cipher: PiiCipher, count: int, *, chunk: int = 50_000, prefix: str = "8860"
) -> None:
    """COPYs ``count`` members into ``customer.members`` of ``dsn``, then ANALYZEs it."""
    rng = random.Random(15)
    connection = await asyncpg.connect(dsn)
    try:
        for start in range(1, count + 1, chunk):
            members, grams = rows(cipher, start, min(chunk, count + 1 - start), rng, prefix)
            await connection.copy_records_to_table(
                "members", schema_name="customer", records=members, columns=COLUMNS
            )
            await connection.copy_records_to_table(
                "member_name_grams", schema_name="customer", records=grams,
                columns=("gram", "created_at", "member_id"),
            )  # fmt: skip
        await connection.execute("ANALYZE customer.members")
        await connection.execute("ANALYZE customer.member_name_grams")
    finally:
        await connection.close()
