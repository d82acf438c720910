FROM a
RUN echo 'héllo wörld' ✓
LABEL desc="données"
ENV NAME=José
