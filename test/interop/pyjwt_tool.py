"""Mints and verifies JWTs with PyJWT, for Portcullis' interoperability tests.

Reads one JSON request on stdin and writes one JSON answer on stdout:
  {"op": "verify", "token", "key", "alg", "issuer", "audience"} -> {"claims": {...}} or {"error": "..."}
  {"op": "sign", "claims", "key", "alg", "kid"} -> {"token": "..."}
Keys are PEM text, or for HS* the secret as text.
"""
import json
import sys

import jwt


def main() -> None:
    request = json.load(sys.stdin)
    if request["op"] == "verify":
        try:
            claims = jwt.decode(
                request["token"],
                request["key"],
                algorithms=[request["alg"]],
                issuer=request["issuer"],
                audience=request["audience"],
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
            header = jwt.get_unverified_header(request["token"])
            json.dump({"claims": claims, "header": header}, sys.stdout)
        except jwt.PyJWTError as error:
            json.dump({"error": f"{type(error).__name__}: {error}"}, sys.stdout)
    else:
        token = jwt.encode(
            request["claims"], request["key"], algorithm=request["alg"], headers={"kid": request["kid"]}
        )
        json.dump({"token": token}, sys.stdout)


main()
