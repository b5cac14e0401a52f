# escape=`
FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
COPY C:\src\app.exe C:\app\
RUN cmd /S /C `
    echo one && `
    # a comment in the middle
    echo two
USER ContainerUser
