from shared.settings import ServiceSettings


class SuccessionSettings(ServiceSettings):
    service_name: str = "succession"
