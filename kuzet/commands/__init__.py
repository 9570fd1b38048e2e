"""Commands of the ground floor (`kuzet audit …`, `kuzet user throttles`): they live above `kuzet/core/`
because they build the whole running Kuzet (`kuzet.container`) to act on it, which core must not import."""
