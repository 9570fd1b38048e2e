"""Planning: how many patrols and call-takers, posted where, checked by simulation and queueing theory."""
