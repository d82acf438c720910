FROM a
ENV A=1 \
  B=2
RUN <<EOF
echo 1
EOF
CMD ["a"]