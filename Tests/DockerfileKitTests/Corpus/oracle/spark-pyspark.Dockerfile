FROM apache/spark-py:v3.4.0
USER root
RUN pip install --no-cache-dir pyarrow==14.0.2 delta-spark==2.4.0
COPY jobs/ /opt/spark/work-dir/jobs/
USER 185
ENTRYPOINT ["/opt/entrypoint.sh"]
