from shared.settings import ServiceSettings


class AssessmentSettings(ServiceSettings):
    service_name: str = "assessment"
    reevaluation_batch_size: int = 500  # ASN per transaction when a policy change re-evaluates an agency
    reevaluation_poll_seconds: float = 1.0  # how often the runner looks for unfinished jobs (it is also woken)
