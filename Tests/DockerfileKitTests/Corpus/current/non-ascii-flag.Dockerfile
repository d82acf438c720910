FROM a
COPY --chown=josé --from=étape a b
