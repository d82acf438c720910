FROM ghcr.io/quarto-dev/quarto:1.4.550
RUN apt-get update && apt-get install -y r-base && rm -rf /var/lib/apt/lists/*
COPY report.qmd /report/
WORKDIR /report
CMD ["quarto", "render", "report.qmd", "--output-dir", "/safe_outputs"]
