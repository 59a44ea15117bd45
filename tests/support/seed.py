"""Create an IAM user with an access key, a virtual MFA device and roles in a
moto server, and print what the tests need as JSON. One Python process per
world instead of one `aws` call per resource keeps test setup cheap."""
import json
import sys

import boto3

endpoint, user = sys.argv[1], sys.argv[2]
roles = [r for r in sys.argv[3].split(",") if r] if len(sys.argv) > 3 else []
session = boto3.session.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
)
iam = session.client("iam", endpoint_url=endpoint)
iam.create_user(UserName=user)
key = iam.create_access_key(UserName=user)["AccessKey"]
device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user}-mfa")["VirtualMFADevice"]
serial = device["SerialNumber"]
iam.enable_mfa_device(
    UserName=user, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
)
trust = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
        ],
    }
)
arns = {}
for role in roles:
    arns[role] = iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
json.dump(
    {
        "access_key_id": key["AccessKeyId"],
        "secret_access_key": key["SecretAccessKey"],
        "mfa_serial": serial,
        "roles": arns,
    },
    sys.stdout,
)
