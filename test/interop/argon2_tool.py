"""argon2-cffi (the reference libargon2 binding) for Portcullis' interoperability tests.

{"op": "verify", "hash", "password"} -> {"ok": true|false}; {"op": "hash", "password"} -> {"hash": "..."}
"""
import json
import sys

from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError, InvalidHash

request = json.load(sys.stdin)
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)
if request["op"] == "verify":
    try:
        json.dump({"ok": hasher.verify(request["hash"], request["password"])}, sys.stdout)
    except (VerificationError, InvalidHash) as error:
        json.dump({"ok": False, "error": str(error)}, sys.stdout)
else:
    json.dump({"hash": hasher.hash(request["password"])}, sys.stdout)
