from shared.settings import ServiceSettings


class SuccessionSettings(ServiceSettings):
    service_name: str = "succession"
    retirement_age: int = 58  # [default] BUP for most positions
    retirement_age_jpt: int = 60  # [default] BUP for JPT
    retirement_warning_months: int = 12  # an incumbent this close to retirement is a succession risk
    risk_sweep_seconds: float = 3600.0  # how often the calendar-driven risks are checked
    parked_sweep_seconds: float = 60.0  # how often parked events of ASN known by now are applied
    # the yearly SKP wave reclassifies every ASN at once: larger batches amortise each batch's round trips
    # (measured with tests/bench/bench_reclassify.py: initial mapping 1,751 → 2,479 ASN/s at 30,000 ASN)
    consumer_max_records: int = 2000
