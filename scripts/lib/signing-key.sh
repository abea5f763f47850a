# shellcheck shell=bash
# A throwaway OpenPGP signing key for scripts/publish-plugins and scripts/demo, so that what
# they publish is signed (native plugins are refused unsigned) without touching ~/.gnupg.
# Sourced, never run. Callers set `set -euo pipefail` themselves.

# ensure_signing_key HOME: makes HOME a GnuPG home holding one passphrase-less ed25519
# signing key (once; later calls reuse it) and HOME/public.asc, its public key, the file to
# trust with --conf resolver.trustedKeys=HOME/public.asc. Prints the key's fingerprint.
ensure_signing_key() {
  local home=$1
  mkdir -p "$home"
  chmod 700 "$home"
  if [ ! -s "$home/public.asc" ]; then
    gpg --homedir "$home" --batch --quiet --pinentry-mode loopback --passphrase '' \
      --quick-gen-key "streamsubmit test publisher (generated, $(date -u +%F)) <publisher@streamsubmit.invalid>" \
      ed25519 sign never 2>/dev/null
    gpg --homedir "$home" --batch --armor --export >"$home/public.asc.part"
    mv "$home/public.asc.part" "$home/public.asc"
  fi
  gpg --homedir "$home" --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'
}

# stop_signing_agent HOME: signing started a gpg-agent for HOME; end it.
stop_signing_agent() {
  gpgconf --homedir "$1" --kill gpg-agent >/dev/null 2>&1 || true
}
