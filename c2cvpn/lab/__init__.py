"""``c2cvpn lab``: a real IKEv2/IPsec tunnel between two network namespaces, verified and diagnosed.

- :mod:`c2cvpn.lab.netns`: namespaces, veth pairs, finding and removing a lab by tag;
- :mod:`c2cvpn.lab.strongswan`: one charon per namespace (own ``/run``, vici socket, log);
- :mod:`c2cvpn.lab.run`: the one-shot lab behind the CLI: up, verify, diagnose, tear down.
"""
