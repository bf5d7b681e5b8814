from shared.settings import ServiceSettings


class AssessmentSettings(ServiceSettings):
    service_name: str = "assessment"
