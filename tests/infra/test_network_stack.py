"""NetworkStack guarantees: isolated subnets only, flow logs, endpoints, a self-only training SG."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from infra.stacks.network import INTERFACE_ENDPOINTS


def _endpoint_services(template: Template, endpoint_type: str) -> list[str]:
    services = []
    for endpoint in template.find_resources("AWS::EC2::VPCEndpoint").values():
        props = endpoint["Properties"]
        if props.get("VpcEndpointType", "Gateway") == endpoint_type:
            name = props["ServiceName"]
            # Env-agnostic synth renders names as Fn::Join of "com.amazonaws.", region, ".svc".
            if isinstance(name, dict):
                name = "".join(p if isinstance(p, str) else "<region>" for p in name["Fn::Join"][1])
            services.append(
                name.rsplit(".", 1)[-1] if "<region>" not in name else name.split("<region>.", 1)[1]
            )
    return sorted(services)


def test_vpc_has_no_route_to_the_internet(network_template: Template) -> None:
    for rtype in (
        "AWS::EC2::InternetGateway",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EIP",
        "AWS::EC2::EgressOnlyInternetGateway",
    ):
        network_template.resource_count_is(rtype, 0)
    for route in network_template.find_resources("AWS::EC2::Route").values():
        assert "GatewayId" not in route["Properties"]


def test_subnets_are_isolated_in_at_least_two_azs(
    network_template: Template, dev_settings: Any
) -> None:
    subnets = network_template.find_resources("AWS::EC2::Subnet")
    assert len(subnets) == dev_settings.network.az_count >= 2
    azs = {str(s["Properties"]["AvailabilityZone"]) for s in subnets.values()}
    assert len(azs) == len(subnets)
    for subnet in subnets.values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_vpc_uses_the_configured_cidr(network_template: Template, dev_settings: Any) -> None:
    network_template.has_resource_properties(
        "AWS::EC2::VPC", {"CidrBlock": dev_settings.network.cidr}
    )


def test_flow_logs_capture_all_traffic_to_the_log_bucket(network_template: Template) -> None:
    logs = network_template.find_resources("AWS::EC2::FlowLog")
    assert len(logs) == 1
    props = next(iter(logs.values()))["Properties"]
    assert props["TrafficType"] == "ALL"
    assert props["LogDestinationType"] == "s3"
    assert props["ResourceType"] == "VPC"


def test_s3_is_reached_through_a_gateway_endpoint(network_template: Template) -> None:
    assert _endpoint_services(network_template, "Gateway") == ["s3"]


def test_interface_endpoints_cover_training_and_bedrock_apis(network_template: Template) -> None:
    expected = sorted(service.short_name for service in INTERFACE_ENDPOINTS.values())
    assert {"sagemaker.api", "ecr.dkr", "logs", "sts", "kms", "bedrock"} <= set(expected)
    got = _endpoint_services(network_template, "Interface")
    assert sorted(got) == expected
    for endpoint in network_template.find_resources("AWS::EC2::VPCEndpoint").values():
        if endpoint["Properties"].get("VpcEndpointType") == "Interface":
            assert endpoint["Properties"]["PrivateDnsEnabled"] is True


def test_training_security_group_admits_only_itself(network_template: Template) -> None:
    groups = network_template.find_resources("AWS::EC2::SecurityGroup")
    ((sg_id, sg),) = [(k, v) for k, v in groups.items() if k.startswith("TrainingSecurityGroup")]
    assert "SecurityGroupIngress" not in sg["Properties"]  # no inline CIDR ingress
    ingress = network_template.find_resources("AWS::EC2::SecurityGroupIngress")
    rules = [
        r["Properties"]
        for r in ingress.values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [sg_id, "GroupId"]}
    ]
    assert rules == [
        {
            "Description": "Training hosts of the same job",
            "GroupId": {"Fn::GetAtt": [sg_id, "GroupId"]},
            "IpProtocol": "-1",
            "SourceSecurityGroupId": {"Fn::GetAtt": [sg_id, "GroupId"]},
        }
    ]


def test_endpoint_security_group_admits_https_from_the_vpc_only(
    network_template: Template, dev_settings: Any
) -> None:
    groups = network_template.find_resources("AWS::EC2::SecurityGroup")
    ((_, sg),) = [(k, v) for k, v in groups.items() if k.startswith("EndpointSecurityGroup")]
    ingress = sg["Properties"]["SecurityGroupIngress"]
    assert len(ingress) == 1
    assert ingress[0]["FromPort"] == ingress[0]["ToPort"] == 443
    assert ingress[0]["CidrIp"] == dev_settings.network.cidr  # the VPC itself, not 0.0.0.0/0
