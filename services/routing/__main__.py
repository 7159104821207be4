from services.routing.app import build
from shared.service import run

run(build)
