from services.forwarder.app import build
from shared.service import run

run(build)
