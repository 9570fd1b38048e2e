"""The CCTV network: the camera registry, which cameras see an incident, live view, camera alerts, health and
the placement of the next cameras."""
