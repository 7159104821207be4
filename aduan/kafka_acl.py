"""`python -m aduan.kafka_acl`: give a SASL/SCRAM Kafka cluster the users, topics and ACLs of the
declaration (shared/kafka_access.py), the very ACLs the Strimzi `KafkaUser`s carry (aduan/k8s.py).

Used by deploy/local/kafka-sasl.sh, which starts a local broker with SCRAM and KRaft's
StandardAuthorizer: `scram-args` prints the users' `--add-scram` arguments for the storage format
(KRaft takes SCRAM credentials at format time), `apply` creates the declared topics and every ACL.
Local passwords are `<user>-local` (a development broker only; Strimzi makes real ones).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import CreateAclsRequest

from aduan.k8s import acls
from shared.kafka import ensure_topics
from shared.kafka_access import principals
from shared.kafka_auth import KafkaAuth
from shared.topics import Topics

ADMIN = "admin"
# Kafka's protocol codes (org.apache.kafka.common.acl / resource)
RESOURCE = {"topic": 2, "group": 3, "cluster": 4, "transactionalId": 5}
PATTERN = {"literal": 3, "prefix": 4}
OPERATION = {"All": 2, "Read": 3, "Write": 4, "Create": 5, "Delete": 6, "Alter": 7, "Describe": 8}
ALLOW = 3


def local_password(user: str) -> str:
    return f"{user}-local"


def local_auth(user: str) -> KafkaAuth:
    """The credentials of a declared user on the local SASL broker."""
    return KafkaAuth("SASL_PLAINTEXT", "SCRAM-SHA-512", user, local_password(user))


def users() -> list[str]:
    return [ADMIN, *(p.name for p in principals())]


def scram_args() -> list[str]:
    return [
        arg
        for user in users()
        for arg in ("--add-scram", f"SCRAM-SHA-512=[name={user},password={local_password(user)}]")
    ]


def acl_entries(topics: Topics) -> list[tuple[int, str, int, str, int]]:
    """(resource type, resource name, pattern type, principal, operation) of every declared ACL."""
    entries = []
    for principal in principals():
        for rule in acls(principal, topics):
            resource = rule["resource"]
            for operation in rule["operations"]:
                entries.append(
                    (
                        RESOURCE[resource["type"]],
                        resource["name"],
                        PATTERN[resource["patternType"]],
                        f"User:{principal.name}",
                        OPERATION[operation],
                    )
                )
    return entries


async def apply(bootstrap: str, auth: KafkaAuth, topics: Topics | None = None) -> int:
    """Create the declared topics and ACLs (both idempotent); return the number of ACLs."""
    topics = topics or Topics()
    await ensure_topics(bootstrap, topics.specs(), auth=auth)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="aduan-acl", **auth.aiokafka())
    await admin.start()
    try:
        entries = acl_entries(topics)
        for kind, name, pattern, principal, operation in entries:
            request = CreateAclsRequest(kind, name, pattern, principal, "*", operation, ALLOW)
            response = await admin._send_request(request)  # aiokafka has no public create_acls
            for code, message in response.creation_responses:
                if code != 0:
                    raise RuntimeError(f"ACL {principal} {operation} on {name}: error {code} {message}")
        return len(entries)
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aduan-kafka-acl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("scram-args", help="the storage format's --add-scram arguments, one per line")
    p = sub.add_parser("apply", help="create the declared topics and ACLs as the admin user")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--prefix", default="")
    args = parser.parse_args(argv)
    if args.command == "scram-args":
        sys.stdout.write("\n".join(scram_args()) + "\n")
        return 0
    count = asyncio.run(apply(args.bootstrap, local_auth(ADMIN), Topics(args.prefix)))
    print(f"{count} ACLs applied for {len(principals())} users")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
