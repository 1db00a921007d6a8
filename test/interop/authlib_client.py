"""An independent client for the interop tests: Python's authlib (Debian's python3-authlib).

Run as `/usr/bin/python3 authlib_client.py STEP` with a JSON object on stdin; prints JSON.
Steps: `start` (discovery, an authorization URL with PKCE, state and nonce), `finish` (redeem the
code, validate the ID token against the JWKS, userinfo, refresh, introspect, revoke) and
`client-credentials` (optionally for an API named by `resource`). authlib validates everything its own way; this file only strings it together.
"""
import json
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken


def metadata(issuer):
    meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    if meta["issuer"] != issuer:
        raise SystemExit("discovery names another issuer: " + meta["issuer"])
    return meta


def session(args, **extra):
    return OAuth2Session(
        args["client_id"],
        args["client_secret"],
        token_endpoint_auth_method="client_secret_basic",
        **extra,
    )


def start(args):
    meta = metadata(args["issuer"])
    verifier = generate_token(48)
    nonce = generate_token(20)
    client = session(args, scope=args["scope"], redirect_uri=args["redirect_uri"], code_challenge_method="S256")
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    return {"url": url, "state": state, "verifier": verifier, "nonce": nonce}


def finish(args):
    meta = metadata(args["issuer"])
    client = session(args, scope=args["scope"], redirect_uri=args["redirect_uri"], state=args["state"])
    token = client.fetch_token(
        meta["token_endpoint"],
        authorization_response=args["callback"],
        code_verifier=args["verifier"],
    )
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "values": [args["issuer"]]}},
        claims_params={"nonce": args["nonce"], "client_id": args["client_id"], "access_token": token["access_token"]},
    )
    claims.validate()
    userinfo = client.get(meta["userinfo_endpoint"]).json()
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    active = client.introspect_token(meta["introspection_endpoint"], token=refreshed["access_token"]).json()
    revoked = client.revoke_token(meta["revocation_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token")
    after = client.introspect_token(meta["introspection_endpoint"], token=refreshed["refresh_token"]).json()
    return {
        "sub": claims["sub"],
        "aud": claims["aud"],
        "name": userinfo.get("name"),
        "rotated": refreshed["refresh_token"] != token["refresh_token"],
        "introspected": {"active": active["active"], "sub": active.get("sub"), "scope": active.get("scope")},
        "revocation_status": revoked.status_code,
        "after_revocation": after,
    }


def client_credentials(args):
    meta = metadata(args["issuer"])
    client = session(args, scope=args["scope"])
    # RFC 8707: `resource` rides along as an extra token request parameter.
    extra = {"resource": args["resource"]} if "resource" in args else {}
    token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials", **extra)
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    # RFC 9068 access token: authlib checks the signature and the registered claims (and the audience, when an API was named).
    options = {"iss": {"essential": True, "values": [args["issuer"]]}}
    if "resource" in args:
        options["aud"] = {"essential": True, "values": [args["resource"]]}
    claims = jwt.decode(token["access_token"], keys, claims_options=options)
    claims.validate()
    return {"token_type": token["token_type"], "scope": token.get("scope"), "client_id": claims["client_id"], "sub": claims["sub"], "aud": claims["aud"]}


STEPS = {"start": start, "finish": finish, "client-credentials": client_credentials}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](json.load(sys.stdin))))
