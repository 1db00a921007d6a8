#!/usr/bin/env bash
# Makes the secret files docker-compose.yml mounts: the PostgreSQL password, the database URL that
# holds it, and Tessera's pepper. Run once; keep deploy/secrets/ out of version control and backed up
# (without the pepper, stored client secrets and second factors cannot be checked).
set -euo pipefail
dir="$(dirname "$0")/secrets"
if [ -e "$dir/tessera_pepper" ]; then
  echo "make-secrets: $dir already holds secrets; not replacing them" >&2
  exit 1
fi
mkdir -p "$dir"
chmod 700 "$dir"
random() { head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
# Files readable inside the containers (they run as unprivileged users); the directory keeps other host users out.
umask 022
password="$(random 24)"
printf '%s\n' "$password" > "$dir/postgres_password"
printf 'postgres://tessera:%s@postgres:5432/tessera\n' "$password" > "$dir/tessera_database_url"
printf '%s\n' "$(random 32)" > "$dir/tessera_pepper"
echo "make-secrets: wrote $dir/postgres_password, tessera_database_url and tessera_pepper"
