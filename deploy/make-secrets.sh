#!/usr/bin/env bash
# Makes the secret files docker-compose.yml mounts: the PostgreSQL password, the database URL that
# holds it, Tessera's pepper, the token Prometheus scrapes /metrics with, and Grafana's admin
# password. Run once (again after an upgrade adds a secret: only the missing ones are written); keep deploy/secrets/ out of version control and backed up
# (without the pepper, stored client secrets and second factors cannot be checked).
set -euo pipefail
dir="$(dirname "$0")/secrets"
random() { head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
# Files readable inside the containers (they run as unprivileged users); the directory keeps other host users out.
umask 022
# The metrics token (Prometheus -> Tessera) and Grafana's admin password came later: add them to older secrets.
monitoring() {
  [ -e "$dir/tessera_metrics_token" ] || { printf '%s\n' "$(random 32)" > "$dir/tessera_metrics_token"; echo "make-secrets: wrote $dir/tessera_metrics_token"; }
  [ -e "$dir/grafana_admin_password" ] || { printf '%s\n' "$(random 18)" > "$dir/grafana_admin_password"; echo "make-secrets: wrote $dir/grafana_admin_password (Grafana's user admin)"; }
}
if [ -e "$dir/tessera_pepper" ]; then
  if [ ! -e "$dir/tessera_metrics_token" ] || [ ! -e "$dir/grafana_admin_password" ]; then
    monitoring
    exit 0
  fi
  echo "make-secrets: $dir already holds secrets; not replacing them" >&2
  exit 1
fi
mkdir -p "$dir"
chmod 700 "$dir"
password="$(random 24)"
printf '%s\n' "$password" > "$dir/postgres_password"
printf 'postgres://tessera:%s@postgres:5432/tessera\n' "$password" > "$dir/tessera_database_url"
printf '%s\n' "$(random 32)" > "$dir/tessera_pepper"
echo "make-secrets: wrote $dir/postgres_password, tessera_database_url and tessera_pepper"
monitoring
