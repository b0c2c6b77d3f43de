"""Lists the ConfigMaps of a namespace with the official Python client, then watches from the
list's resourceVersion and prints every event it sees, until it has seen N of them.

usage: watch_configmaps.py NAMESPACE N   (KUBECONFIG names the cluster)

Output, one line each, flushed at once so that a test can follow along:
    LISTED <resourceVersion> <name>,<name>,...
    EVENT <type> <name> <resourceVersion>
    DONE <events seen>
"""
import sys

from kubernetes import client, config, watch


def main() -> None:
    namespace, wanted = sys.argv[1], int(sys.argv[2])
    config.load_kube_config()
    core = client.CoreV1Api()
    listed = core.list_namespaced_config_map(namespace)
    names = ",".join(cm.metadata.name for cm in listed.items)
    print(f"LISTED {listed.metadata.resource_version} {names}", flush=True)
    seen = 0
    stream = watch.Watch()
    for event in stream.stream(
        core.list_namespaced_config_map,
        namespace,
        resource_version=listed.metadata.resource_version,
        timeout_seconds=30,
    ):
        meta = event["object"].metadata
        print(f"EVENT {event['type']} {meta.name} {meta.resource_version}", flush=True)
        seen += 1
        if seen >= wanted:
            stream.stop()
    print(f"DONE {seen}", flush=True)


if __name__ == "__main__":
    main()
