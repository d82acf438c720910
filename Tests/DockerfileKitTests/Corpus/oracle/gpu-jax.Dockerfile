FROM nvcr.io/nvidia/jax:23.10-py3
RUN pip install --no-cache-dir flax optax orbax-checkpoint
ENV XLA_PYTHON_CLIENT_PREALLOCATE=false
WORKDIR /workspace
CMD ["python", "train_flax.py"]
