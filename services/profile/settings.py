from shared.settings import ServiceSettings


class ProfileSettings(ServiceSettings):
    service_name: str = "profile"
