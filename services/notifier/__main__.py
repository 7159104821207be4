from services.notifier.app import build
from shared.service import run

run(build)
