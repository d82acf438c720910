from a as b
run b
cmd ["c"]
env x=y
OnBuild run z
