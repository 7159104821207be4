"""A local SMS gateway speaking the outbound HTTP API of Indonesian gateways in Zenziva's style."""
