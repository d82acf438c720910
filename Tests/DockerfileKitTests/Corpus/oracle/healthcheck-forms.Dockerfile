HEALTHCHECK   CMD   ["a"]
HEALTHCHECK	NONE
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 CMD curl -f http://localhost/ || exit 1
HEALTHCHECK CMD
HEALTHCHECK CMD ["curl", "-f", "x"]
