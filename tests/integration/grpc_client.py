#!/usr/bin/python3
"""The gRPC admin API from a second language: Python's grpcio (Debian's python3-grpcio), with client stubs
generated from grpcapi/proto/tidings/v1/admin.proto at test time by protoc and grpc_python_plugin
(protobuf-compiler-grpc). Bookworm's grpc_tools (1.14) predates proto3 `optional` and protobuf 4's runtime.

Starts a real `tidings serve --grpc-listen 127.0.0.1:0` on a temporary database, reads the port from its
banner, then: refused without the token, create / list / get / update / delete a webhook, NOT_FOUND and
INVALID_ARGUMENT with the REST messages, deliveries and events listed, and a clean SIGTERM.

Run by ctest as integration_grpcpython; by hand:
    /usr/bin/python3 tests/integration/grpc_client.py --tidings build/app/tidings --proto-root grpcapi/proto \
        --protoc /usr/bin/protoc --grpc-python-plugin /usr/bin/grpc_python_plugin
"""

import argparse
import importlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import grpc

ADMIN_TOKEN = "admin-token-for-python"


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print("ok: " + message)


def generate_stubs(protoc, plugin, proto_root, out_dir):
    os.makedirs(out_dir)
    result = subprocess.run(
        [protoc, "-I" + proto_root, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir,
         "--plugin=protoc-gen-grpc_python=" + plugin, os.path.join(proto_root, "tidings", "v1", "admin.proto")],
        capture_output=True, text=True)
    if result.returncode != 0:
        fail("protoc could not compile admin.proto: " + result.stderr)
    sys.path.insert(0, out_dir)
    return (importlib.import_module("tidings.v1.admin_pb2"),
            importlib.import_module("tidings.v1.admin_pb2_grpc"))


def start_serve(tidings, db):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TIDINGS_")}
    process = subprocess.Popen(
        [tidings, "--db", db, "serve", "--listen", "127.0.0.1:0", "--admin-token", ADMIN_TOKEN,
         "--grpc-listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment, text=True)
    deadline = time.monotonic() + 20
    address = None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        match = re.search(r"gRPC admin API: (127\.0\.0\.1:\d+)", line)
        if match:
            address = match.group(1)
            break
    if not address:
        process.kill()
        fail("serve did not announce its gRPC address")
    return process, address


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tidings", required=True)
    parser.add_argument("--proto-root", required=True)
    parser.add_argument("--protoc", default="/usr/bin/protoc")
    parser.add_argument("--grpc-python-plugin", default="/usr/bin/grpc_python_plugin")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        pb, rpc = generate_stubs(options.protoc, options.grpc_python_plugin, options.proto_root,
                                 os.path.join(work, "stubs"))
        process, address = start_serve(options.tidings, os.path.join(work, "python.db"))
        try:
            run(pb, rpc, address)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                fail("serve did not stop within 15 s of SIGTERM")
        check(code == 0, "serve exits 0 on SIGTERM with the gRPC server running")
    print("PASS")


def run(pb, rpc, address):
    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=10)
    webhooks = rpc.WebhooksStub(channel)
    deliveries = rpc.DeliveriesStub(channel)
    events = rpc.EventsStub(channel)
    auth = [("authorization", "Bearer " + ADMIN_TOKEN)]

    try:
        webhooks.ListWebhooks(pb.ListWebhooksRequest(), timeout=10)
        fail("a call without the token was answered")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.UNAUTHENTICATED, "no token: UNAUTHENTICATED")
    try:
        webhooks.ListWebhooks(pb.ListWebhooksRequest(), metadata=[("authorization", "Bearer nope")], timeout=10)
        fail("a call with a wrong token was answered")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.UNAUTHENTICATED, "wrong token: UNAUTHENTICATED")

    listed = webhooks.ListWebhooks(pb.ListWebhooksRequest(), metadata=auth, timeout=10)
    check(len(listed.items) == 0, "a new server lists no webhooks")

    created = webhooks.CreateWebhook(pb.CreateWebhookRequest(webhook=pb.WebhookSettings(
        name="from-python", url="http://127.0.0.1:9/hook", actions=["push", "delete"],
        headers=["X-Origin: python"], timeout_seconds=4, generate_secret=True)), metadata=auth, timeout=10)
    check(created.id > 0 and created.name == "from-python", "CreateWebhook answers the new webhook")
    check(list(created.actions) == ["push", "delete"], "actions as given")
    check(created.headers[0].name == "X-Origin" and created.headers[0].value == "python", "headers as given")
    check(created.secret.startswith("whsec_") and created.secret != "whsec_********",
          "a generated secret is shown once")

    listed = webhooks.ListWebhooks(pb.ListWebhooksRequest(), metadata=auth, timeout=10)
    check([w.name for w in listed.items] == ["from-python"], "ListWebhooks lists it")

    fetched = webhooks.GetWebhook(pb.GetWebhookRequest(webhook=str(created.id)), metadata=auth, timeout=10)
    check(fetched.name == "from-python" and fetched.timeout_seconds == 4, "GetWebhook by id")
    check(fetched.secret == "whsec_********", "GetWebhook hides the secret")

    updated = webhooks.UpdateWebhook(pb.UpdateWebhookRequest(
        webhook="from-python", settings=pb.WebhookSettings(tags=["v*"])), metadata=auth, timeout=10)
    check(list(updated.tags) == ["v*"] and updated.timeout_seconds == 4, "UpdateWebhook changes what is set")

    try:
        webhooks.GetWebhook(pb.GetWebhookRequest(webhook="nobody"), metadata=auth, timeout=10)
        fail("an unknown webhook was found")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.NOT_FOUND, "unknown webhook: NOT_FOUND")
        check('no webhook "nobody"' in error.details(), "with the REST message: " + error.details())
        trailers = dict(error.trailing_metadata() or ())
        check(trailers.get("tidings-error-code") == "not_found", "and the REST code in the trailers")
    try:
        webhooks.CreateWebhook(pb.CreateWebhookRequest(webhook=pb.WebhookSettings(name="x", url="ftp://nope")),
                               metadata=auth, timeout=10)
        fail("a bad URL was accepted")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, "bad URL: INVALID_ARGUMENT (" + error.details() + ")")

    page = deliveries.ListDeliveries(pb.ListDeliveriesRequest(webhook="from-python", limit=10), metadata=auth,
                                     timeout=10)
    check(len(page.items) == 0 and page.next_cursor == "", "ListDeliveries: none yet, no next page")
    page = events.ListEvents(pb.ListEventsRequest(limit=5), metadata=auth, timeout=10)
    check(len(page.items) == 0, "ListEvents: none yet")

    webhooks.DeleteWebhook(pb.DeleteWebhookRequest(webhook="from-python"), metadata=auth, timeout=10)
    listed = webhooks.ListWebhooks(pb.ListWebhooksRequest(), metadata=auth, timeout=10)
    check(len(listed.items) == 0, "DeleteWebhook removes it")
    channel.close()


if __name__ == "__main__":
    main()
