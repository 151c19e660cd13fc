"""``c2cvpn lab``: a real IKEv2/IPsec tunnel between two network namespaces, verified and diagnosed.

- :mod:`c2cvpn.lab.netns`: namespaces, veth pairs, finding and removing a lab by tag;
- :mod:`c2cvpn.lab.strongswan`: one charon per namespace (own ``/run``, vici socket, log);
- :mod:`c2cvpn.lab.run`: the one-shot lab behind the CLI: up, verify, diagnose, tear down;
- :mod:`c2cvpn.lab.stack`: every stack's entry; :mod:`c2cvpn.lab.cloud` with
  :mod:`c2cvpn.lab.cloud_model`, :mod:`c2cvpn.lab.cloud_conf` and :mod:`c2cvpn.lab.scenarios`:
  the cloud lab, the gateway emulated from the plan.
"""

#: ``c2cvpn lab --scenario`` names (here, with no import, so that ``--help`` stays cheap).
SCENARIOS = (
    "psk-mismatch",
    "proposal-mismatch",
    "pfs-mismatch",
    "sg-blocks-app",
    "route-missing",
    "udp-blocked",
    "mtu-blackhole",
    "nat-timeout",
    "primary-down",
)
