from shared.settings import ServiceSettings


class ProfileSettings(ServiceSettings):
    service_name: str = "profile"
    data_quality_sweep_seconds: float = 3600  # how often profiles that went 12 months without update are rescored
