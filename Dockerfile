# AkkaDiameter image: the akka-diameter tool built from this repository on the .NET SDK image.
# No Docker engine runs on the development machines; this file is kept correct by review (see README).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/AkkaDiameter.Cli/AkkaDiameter.Cli.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
COPY samples /samples
COPY config /config
# A 64 MiB gen0 budget: a quarter of the collections under load, more answers a second (README "Runtime settings").
# The runtime reads it from the environment only.
ENV DOTNET_GCgen0size=0x4000000
# Thread-pool hill climbing is off through akka-diameter.runtimeconfig.json, which the publish above carries.
ENTRYPOINT ["dotnet", "/app/akka-diameter.dll"]
CMD ["help"]
