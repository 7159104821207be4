from services.intake.app import build
from shared.service import run

run(build)
