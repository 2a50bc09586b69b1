"""What a dashboard cell shows, on the page and in the CSV alike: aggregates only, and a count
that could single a person out (1 to 4) is shown as "<5", also where a rate or an average is
computed over so few people."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SMALLEST_SHOWN = 5
SUPPRESSED = "<5"


def is_small(n: int) -> bool:
    return 0 < n < SMALLEST_SHOWN


@dataclass(frozen=True)
class Count:
    """A number of people or of their cases."""

    n: int

    @property
    def suppressed(self) -> bool:
        return is_small(self.n)

    @property
    def value(self) -> int | None:
        """For a chart: None when it must not be drawn."""
        return None if self.suppressed else self.n

    def text(self) -> str:
        return SUPPRESSED if self.suppressed else f"{self.n:,}"

    def csv(self) -> str | int:
        return SUPPRESSED if self.suppressed else self.n


@dataclass(frozen=True)
class Quantity:
    """A number that is not a head count (stock, points): shown, unless it is a sum over `of`
    people's cases and they are so few that it tells what one of them had (points redeemed at a
    station by 1 to 4 people)."""

    n: int | Decimal
    of: int | None = None

    @property
    def suppressed(self) -> bool:
        return self.of is not None and is_small(self.of)

    @property
    def value(self) -> int | Decimal | None:
        return None if self.suppressed else self.n

    def text(self) -> str:
        return SUPPRESSED if self.suppressed else f"{self.n:,}"

    def csv(self) -> str | int | Decimal:
        return SUPPRESSED if self.suppressed else self.n


@dataclass(frozen=True)
class Money:
    """Yuan; a sum over `of` people's cases (subsidies of a street, a month) is suppressed like a
    count when they are 1 to 4: ¥7,200 committed in a street with one approval is that person's."""

    yuan: Decimal
    of: int | None = None

    @property
    def suppressed(self) -> bool:
        return self.of is not None and is_small(self.of)

    @property
    def value(self) -> Decimal | None:
        return None if self.suppressed else self.yuan

    def text(self) -> str:
        return SUPPRESSED if self.suppressed else f"¥{self.yuan:,.2f}"

    def csv(self) -> str | Decimal:
        return SUPPRESSED if self.suppressed else self.yuan.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Average:
    """A sum over `n` cases, divided by `n` (and by `per`: 24 turns hours into days)."""

    total: Decimal
    n: int
    per: int = 1
    places: int = 1

    @property
    def suppressed(self) -> bool:
        return is_small(self.n)

    @property
    def value(self) -> Decimal | None:
        if self.n == 0 or self.suppressed:
            return None
        quantum = Decimal(1).scaleb(-self.places)
        return (Decimal(self.total) / self.n / self.per).quantize(quantum, rounding=ROUND_HALF_UP)

    def text(self) -> str:
        if self.suppressed:
            return SUPPRESSED
        value = self.value
        return "—" if value is None else f"{value:,}"

    def csv(self) -> str | Decimal:
        if self.suppressed:
            return SUPPRESSED
        value = self.value
        return "" if value is None else value


@dataclass(frozen=True)
class Rate:
    """`part` of `whole` as a percentage; hidden when either is a small count."""

    part: int
    whole: int

    @property
    def suppressed(self) -> bool:
        return is_small(self.part) or is_small(self.whole)

    @property
    def value(self) -> Decimal | None:
        if self.whole == 0 or self.suppressed:
            return None
        return (Decimal(100) * self.part / self.whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def text(self) -> str:
        if self.suppressed:
            return SUPPRESSED
        value = self.value
        return "—" if value is None else f"{value}%"

    def csv(self) -> str | Decimal:
        if self.suppressed:
            return SUPPRESSED
        value = self.value
        return "" if value is None else value


@dataclass(frozen=True)
class Text:
    label: str

    suppressed = False
    value = None

    def text(self) -> str:
        return self.label

    def csv(self) -> str:
        return self.label


Cell = Count | Quantity | Money | Average | Rate | Text
