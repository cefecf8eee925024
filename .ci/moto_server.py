"""moto's server, with one answer put right where moto 5.2.5 differs from IAM.

RemoveRoleFromInstanceProfile for a role that is not in the profile: IAM
answers NoSuchEntity; moto fails with an internal error (HTTP 500, a Python
ValueError). The SDK retries a call whose first answer came too late, so
under CI's load destroy's retried removal met that 500 on every attempt and
reported a failure that real IAM would never cause (onramp takes the
NoSuchEntity of a retried removal as done).

Started by `.ci/run` and by the tests (testkit/src/moto.rs) exactly as
`moto_server` is: `python .ci/moto_server.py -H 127.0.0.1 -p PORT`.
"""

import sys

from moto.iam.exceptions import NotFoundException
from moto.iam.models import IAMBackend
from moto.server import main


def remove_role_from_instance_profile(self, profile_name, role_name):
    profile = self.get_instance_profile(profile_name)
    role = self.get_role(role_name)
    if role not in profile.roles:
        raise NotFoundException(
            f"Role {role_name} is not in instance profile {profile_name}."
        )
    profile.roles.remove(role)


IAMBackend.remove_role_from_instance_profile = remove_role_from_instance_profile

if __name__ == "__main__":
    sys.exit(main())
