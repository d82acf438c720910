# leading comment
FROM debian:12
# comment before run
RUN apt-get update \
# comment inside continuation
    && apt-get install -y curl \
    # indented comment inside continuation

    && rm -rf /var/lib/apt/lists/*
  # indented comment line
CMD ["bash"]
