COPY --a="" --b='' c d
