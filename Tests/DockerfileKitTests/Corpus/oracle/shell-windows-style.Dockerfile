# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN New-Item -ItemType Directory -Path C:\safe_data ; `
    New-Item -ItemType Directory -Path C:\safe_outputs
COPY run.ps1 C:\app\run.ps1
WORKDIR C:\app
CMD ["powershell", "-File", "C:\\app\\run.ps1"]
